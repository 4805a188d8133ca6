using Microsoft.Extensions.Logging;

namespace Baton.Redis.Diagnostics;

/// <summary>The Redis backend's log messages, generated at compile time. URLs in them are always redacted.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(101, LogLevel.Warning, "A lease check of '{Name}' failed")]
    public static partial void LeaseCheckFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(102, LogLevel.Debug, "Renewing {Count} Redis lease(s) failed")]
    public static partial void RenewalFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(103, LogLevel.Warning, "Ending the holds of a closing coordinator on {Backend} failed; their leases will end them")]
    public static partial void AbandonFailed(ILogger logger, string backend, Exception exception);
}
