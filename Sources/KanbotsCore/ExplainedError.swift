/// An error whose description is one line that says what went wrong and
/// how to fix it: the front ends print it as it is (`git-kanbots: …` on
/// the command line, the `error` of a JSON response on the web board).
/// Every module's own error type conforms, so a new one needs no new
/// `catch` in the executables.
public protocol ExplainedError: Error, CustomStringConvertible {}
