import Foundation
import Testing

/// The installed pre-push hook, exercised by real `git push`es to a local bare remote.
@Suite("pre-push hook") struct HookTests {
    private func remoteHas(_ sandbox: Sandbox, _ ref: String) throws -> Bool {
        try sandbox.gitOK("ls-remote", "origin", ref).contains(ref)
    }

    /// Writes a one-time promotion grant naming `refs` and returns its token.
    private func grant(_ sandbox: Sandbox, _ token: String, _ refs: [String]) throws -> [String: String] {
        try sandbox.write(".git/kanbots/promotions/\(token)", refs.joined(separator: "\n") + "\n")
        return ["KANBOTS_PROMOTION": token]
    }

    @Test func runBranchesAreRefusedAndOtherBranchesPushed() throws {
        try Sandbox.with(cards: ["Add CSV export"]) { sandbox in
            _ = try sandbox.addBareRemote()
            let main = try sandbox.git("push", "origin", "main")
            expectSuccess(main)
            #expect(try remoteHas(sandbox, "refs/heads/main"))

            let run = try sandbox.dispatch(1)
            try sandbox.waitUntilIdle()
            let ref = "refs/heads/\(run.branch)"
            let push = try sandbox.git("push", "origin", run.branch)
            #expect(!push.succeeded, "run branch was pushed: \(push)")
            #expect(push.stderr.contains("git-kanbots: refusing to push \(ref)"), "\(push)")
            #expect(push.stderr.contains("git kanbots promote"), "\(push)")
            #expect(try !remoteHas(sandbox, ref))

            // Under another name, or from inside the run's worktree (where an agent works): refused too.
            let renamed = try sandbox.git("push", "origin", "\(run.branch):refs/heads/innocent")
            #expect(!renamed.succeeded && renamed.stderr.contains("refusing to push"), "\(renamed)")
            let fromWorktree = try sandbox.git("push", "origin", "HEAD", in: run.worktree)
            #expect(!fromWorktree.succeeded && fromWorktree.stderr.contains("refusing to push"), "\(fromWorktree)")
            let all = try sandbox.git("push", "origin", "--all")
            #expect(!all.succeeded, "push --all published a run branch: \(all)")
            #expect(try !remoteHas(sandbox, ref) && !remoteHas(sandbox, "refs/heads/innocent"))

            // The run's commit under any name: HEAD pushed to another branch, or its sha.
            let headElsewhere = try sandbox.git("push", "origin", "HEAD:refs/heads/feature-from-agent", in: run.worktree)
            #expect(!headElsewhere.succeeded && headElsewhere.stderr.contains("refusing to push"), "\(headElsewhere)")
            let tip = try sandbox.gitOK("rev-parse", run.branch)
            let bySha = try sandbox.git("push", "origin", "\(tip):refs/heads/by-sha")
            #expect(!bySha.succeeded && bySha.stderr.contains("refusing to push"), "\(bySha)")
            #expect(try !remoteHas(sandbox, "refs/heads/feature-from-agent") && !remoteHas(sandbox, "refs/heads/by-sha"))

            // A normal feature branch goes through.
            try sandbox.gitOK("branch", "feature")
            expectSuccess(try sandbox.git("push", "origin", "feature"))
            // Once the work is merged into main, main carries it out: that is the point of merging.
            try sandbox.gitOK("merge", "-q", "--ff-only", run.branch)
            expectSuccess(try sandbox.git("push", "origin", "main"))
        }
    }

    @Test func aRunBranchWithoutCommitsDoesNotHoldBackItsBase() throws {
        try Sandbox.with { sandbox in
            _ = try sandbox.addBareRemote()
            try sandbox.gitOK("branch", "kanbots/issue-1-1-abcd")  // a run that made no commits: its tip is main's
            expectSuccess(try sandbox.git("push", "origin", "main"))
            expectSuccess(try sandbox.git("push", "origin", "main:refs/heads/release"))
        }
    }

    @Test func aPromotionGrantForTheRefLetsItThroughAndNothingElseDoes() throws {
        try Sandbox.with { sandbox in
            _ = try sandbox.addBareRemote()
            let branch = "kanbots/issue-1-1-abcd"
            let ref = "refs/heads/" + branch
            try sandbox.gitOK("branch", branch)
            try sandbox.gitOK("branch", "kanbots/issue-2-2-abcd")

            // A grant for another ref does not cover this one.
            let other = try grant(sandbox, "tokenOther1", ["refs/heads/kanbots/issue-2-2-abcd"])
            let wrongRef = try sandbox.git("push", "origin", branch, environment: other)
            #expect(!wrongRef.succeeded && wrongRef.stderr.contains("refusing to push"), "\(wrongRef)")
            // A grant file without the variable, or the variable without a file, is not a promotion.
            let good = try grant(sandbox, "tokenGood123", [ref])
            #expect(!(try sandbox.git("push", "origin", branch)).succeeded)
            #expect(!(try sandbox.git("push", "origin", branch, environment: ["KANBOTS_PROMOTION": "missing"])).succeeded)
            // A token that tries to leave the promotions folder is refused.
            try sandbox.write(".git/kanbots/escape", ref + "\n")
            #expect(!(try sandbox.git("push", "origin", branch, environment: ["KANBOTS_PROMOTION": "../escape"])).succeeded)
            #expect(try !remoteHas(sandbox, ref))

            let promoted = try sandbox.git("push", "origin", branch, environment: good)
            expectSuccess(promoted)
            #expect(try remoteHas(sandbox, ref))
            // The grant covers exactly its refs: pushing both at once is refused.
            let both = try sandbox.git("push", "origin", branch, "kanbots/issue-2-2-abcd", environment: good)
            #expect(!both.succeeded, "\(both)")
            #expect(try !remoteHas(sandbox, "refs/heads/kanbots/issue-2-2-abcd"))

            // Deleting a remote run branch publishes nothing and is allowed.
            expectSuccess(try sandbox.git("push", "origin", ":" + ref))
            #expect(try !remoteHas(sandbox, ref))
        }
    }
}
