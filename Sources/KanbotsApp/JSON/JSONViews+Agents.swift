import KanbotsSupervisor

/// One agent on `agents --json` (docs/json.md).
public struct AgentJSON: Encodable {
    public var name: String
    public var `protocol`: String
    public var builtIn: Bool
    public var found: Bool
    public var path: String?
    public var version: String?
    public var package: String?
    public var metering: String
    public var mayBeUnmetered: Bool
    public var problem: String?

    public init(_ status: AgentStatus) {
        name = status.definition.name
        `protocol` = status.definition.agentProtocol.rawValue
        builtIn = status.definition.isBuiltIn
        found = status.path != nil
        path = status.path
        version = status.version
        package = status.package
        metering = status.definition.agentProtocol.metering
        mayBeUnmetered = status.definition.agentProtocol.mayBeUnmetered
        problem = status.problem
    }
}
