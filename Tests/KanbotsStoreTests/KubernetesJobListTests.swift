import Foundation
import KanbotsCore
import KanbotsTestSupport
import Testing
@testable import KanbotsStore

/// Liveness from `kubectl get jobs -o json` as a real API server (1.31)
/// shapes it, and the repository label every listing selects by. The
/// stand-in kubectl of the CLI tests writes a much smaller document.
@Suite struct KubernetesJobListTests {
    static let listing = """
        {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
          {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "kanbots-1-abcd", "namespace": "agents", "labels": {"kanbots/run": "1-abcd"}},
           "spec": {"backoffLimit": 0}, "status": {"active": 1, "ready": 1, "startTime": "2026-12-05T01:00:00Z",
           "terminating": 0, "uncountedTerminatedPods": {}}},
          {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "kanbots-2-abcd"}},
          {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "kanbots-3-abcd"},
           "status": {"succeeded": 1, "completionTime": "2026-12-05T01:02:00Z", "conditions": [
             {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": "2026-12-05T01:02:00Z"},
             {"type": "Complete", "status": "True", "lastProbeTime": "2026-12-05T01:02:00Z"}]}},
          {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "kanbots-4-abcd"},
           "status": {"failed": 1, "conditions": [
             {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
             {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}},
          {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "kanbots-5-abcd"},
           "status": {"active": 1, "conditions": [{"type": "FailureTarget", "status": "True", "reason": "DeadlineExceeded"}]}},
          {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "kanbots-6-abcd", "deletionTimestamp": "2026-12-05T01:03:00Z"}, "status": {"active": 1}}
        ]}
        """

    @Test func aJobLivesUntilItIsCompleteOrFailed() throws {
        let names = try #require(KubernetesJobList.liveNames(in: Data(Self.listing.utf8)))
        // Running, just created, still terminating its pod after a failure, being deleted.
        #expect(names == ["kanbots-1-abcd", "kanbots-2-abcd", "kanbots-5-abcd", "kanbots-6-abcd"])
    }

    @Test func anUnreadableListingIsNoAnswerNotAnEmptyOne() {
        #expect(KubernetesJobList.liveNames(in: Data("error: You must be logged in".utf8)) == nil)
        #expect(KubernetesJobList.liveNames(in: Data(#"{"items": []}"#.utf8)) == [])
    }

    @Test func theRepositoryLabelIsAValidLabelValueTiedToTheRemotesURL() throws {
        let scratch = try ScratchRepository()
        try scratch.git("remote", "add", "origin", "https://git.example/Team/My Repo.With.Dots_And-A-Very-Long-Name-Indeed-Longer-Than-Forty.git")
        let value = KubernetesScope.repositoryValue(try scratch.open())
        #expect(value.count <= 63)
        #expect(value.wholeMatch(of: /[a-z0-9]([-a-z0-9]*[a-z0-9])?/) != nil, "\(value)")
        #expect(value.hasPrefix("my-repo-with-dots-and-a-very-long-name-i-"), "\(value)")  // 40 characters of the name
        try scratch.git("remote", "set-url", "origin", "https://git.example/Other/My Repo.With.Dots_And-A-Very-Long-Name-Indeed-Longer-Than-Forty.git")
        #expect(KubernetesScope.repositoryValue(try scratch.open()) != value, "another remote, another label")
    }
}
