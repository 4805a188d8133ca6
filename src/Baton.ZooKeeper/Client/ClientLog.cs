using Microsoft.Extensions.Logging;

namespace Baton.ZooKeeper.Client;

/// <summary>The ZooKeeper client's log messages (source-generated: no cost when the level is off). Never credentials.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "ZooKeeper session 0x{SessionId:x} connected to {Endpoint} (timeout {TimeoutMs} ms)")]
    public static partial void Connected(ILogger logger, long sessionId, string endpoint, int timeoutMs);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "ZooKeeper connection to {Endpoint} lost (session 0x{SessionId:x}): {Reason}; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, long sessionId, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "connecting to ZooKeeper at {Endpoint} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "ZooKeeper session 0x{SessionId:x} is {State}: {Reason}")]
    public static partial void SessionEnded(ILogger logger, long sessionId, ZooKeeperConnectionState state, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "a ZooKeeper watcher or state handler threw (path {Path})")]
    public static partial void CallbackFailed(ILogger logger, Exception exception, string? path);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "ZooKeeper refused to re-register watches: error {Error}")]
    public static partial void SetWatchesFailed(ILogger logger, int error);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "closing ZooKeeper session 0x{SessionId:x} failed; the server expires it")]
    public static partial void CloseFailed(ILogger logger, Exception exception, long sessionId);

    [LoggerMessage(EventId = 109, Level = LogLevel.Information, Message = "closed the lost ZooKeeper session 0x{SessionId:x} on {Endpoint}")]
    public static partial void LostSessionClosed(ILogger logger, long sessionId, string endpoint);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "the ZooKeeper session loop failed unexpectedly")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
