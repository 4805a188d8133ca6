using Microsoft.Extensions.Logging;

namespace Baton.Etcd;

/// <summary>The etcd backend's log messages (source-generated: no cost when the level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "etcd lease {Lease:x} on {Url} is lost: {Why}")]
    public static partial void LeaseLost(ILogger logger, long lease, string url, string why);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "etcd keep-alive stream of lease {Lease:x} broke; retrying")]
    public static partial void KeepAliveBroke(ILogger logger, Exception exception, long lease);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "revoking etcd lease {Lease:x} failed; it expires on its own")]
    public static partial void RevokeFailed(ILogger logger, Exception exception, long lease);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "etcd watch stream on {Url} broke; reopening")]
    public static partial void WatchBroke(ILogger logger, Exception exception, string url);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "re-checking the key of '{Name}' failed; the lease decides")]
    public static partial void RecheckFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "recording the abandoned hold of '{Name}' failed; its lease ends it")]
    public static partial void AbandonFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "deleting dead hold records failed; the next holder finds them again")]
    public static partial void CleanupFailed(ILogger logger, Exception exception);
}
