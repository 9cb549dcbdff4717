import CLibGit2

/// One ref to move: to `target`, only if it points at `expected` now (nil:
/// only if it does not exist yet).
public struct ReferenceUpdate: Sendable, Equatable {
    public var name: String
    public var target: ObjectID
    public var expected: ObjectID?

    public init(name: String, target: ObjectID, expected: ObjectID?) {
        self.name = name
        self.target = target
        self.expected = expected
    }
}

extension Repository {
    /// Moves many refs in one transaction, as `git update-ref --stdin` does:
    /// every ref is locked first (in name order, so two batches cannot
    /// deadlock), each one's value is compared with `expected` under its
    /// lock, and only then are they all written. If any ref is locked by
    /// another writer or has moved, nothing is written and a `GitError` with
    /// `isContention` is thrown: read again and retry.
    public func updateReferences(_ updates: [ReferenceUpdate], message: String, signature: Signature) throws {
        guard !updates.isEmpty else { return }
        var transaction: OpaquePointer?
        try check("start a ref transaction", git_transaction_new(&transaction, handle))
        defer { git_transaction_free(transaction) }
        try signature.withRaw { raw in
            for update in updates.sorted(by: { $0.name < $1.name }) {
                try check("lock ref \(update.name)", git_transaction_lock_ref(transaction, update.name))
                guard try referenceTarget(update.name) == update.expected else {
                    throw GitError(code: GIT_EMODIFIED.rawValue, operation: "update ref \(update.name)")
                }
                var target = update.target.raw
                try check("update ref \(update.name)", git_transaction_set_target(transaction, update.name, &target, raw, message))
            }
        }
        try check("commit the ref transaction", git_transaction_commit(transaction))
    }
}
