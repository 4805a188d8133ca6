using Microsoft.Extensions.Logging;

namespace Baton.ZooKeeper;

/// <summary>The backend's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not mark the hold of '{Name}' as abandoned; its session's end releases it.")]
    public static partial void AbandonFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Could not remove the records of holds that did not end cleanly; the next holder finds them again.")]
    public static partial void CleanupFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Could not undo a request for '{Name}'; its session's end removes it.")]
    public static partial void UndoFailed(ILogger logger, Exception exception, string name);
}
