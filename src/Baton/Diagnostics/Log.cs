using Microsoft.Extensions.Logging;

namespace Baton.Diagnostics;

/// <summary>Baton's log messages, generated at compile time so disabled levels cost nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Releasing '{Name}' on {Backend} failed; the backend's lease or session will clean it up")]
    public static partial void ReleaseFailed(ILogger logger, string name, string backend, Exception exception);

    [LoggerMessage(2, LogLevel.Warning, "Lost '{Name}' (fencing token {FencingToken}) on {Backend}: {Reason}")]
    public static partial void HoldLost(ILogger logger, string name, long fencingToken, string backend, LossReason reason);

    [LoggerMessage(3, LogLevel.Information, "Acquired '{Name}' after the previous holder {PreviousHolder} (fencing token {PreviousToken}) ended uncleanly: {Reason}")]
    public static partial void TookOver(ILogger logger, string name, MemberIdentity previousHolder, long previousToken, TakeoverReason reason);

    [LoggerMessage(4, LogLevel.Warning, "Broke '{Name}' on {Backend}: {Count} holder(s) removed")]
    public static partial void Broke(ILogger logger, string name, string backend, int count);

    [LoggerMessage(5, LogLevel.Warning, "Withdrawing a wait for '{Name}' on {Backend} failed")]
    public static partial void WithdrawFailed(ILogger logger, string name, string backend, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Watching '{Name}' on {Backend} failed; reading it again in {RetryIn}")]
    public static partial void WatchFailed(ILogger logger, string name, string backend, TimeSpan retryIn, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Potential deadlock: the lock order has a cycle {Cycle}. {Details}")]
    public static partial void LockOrderViolated(ILogger logger, string cycle, string details);

    [LoggerMessage(8, LogLevel.Warning, "Deadlock detected: {Description}")]
    public static partial void DeadlockDetected(ILogger logger, string description);
}
