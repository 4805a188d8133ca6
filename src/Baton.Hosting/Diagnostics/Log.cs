using Microsoft.Extensions.Logging;

namespace Baton.Hosting.Diagnostics;

/// <summary>The hosting package's log messages, generated at compile time so disabled levels cost nothing.</summary>
internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Information, "Connected to {Backend} as {Member}")]
    public static partial void Connected(ILogger logger, string backend, MemberIdentity member);

    [LoggerMessage(102, LogLevel.Warning, "Connecting to {Backend} failed")]
    public static partial void ConnectFailed(ILogger logger, string backend, Exception exception);

    [LoggerMessage(111, LogLevel.Debug, "Campaigning in election '{Election}' on {Backend}")]
    public static partial void Campaigning(ILogger logger, string election, string backend);

    [LoggerMessage(112, LogLevel.Information, "Elected leader of '{Election}' (term {Term})")]
    public static partial void Elected(ILogger logger, string election, long term);

    [LoggerMessage(113, LogLevel.Warning, "Lost leadership of '{Election}' (term {Term}): {Reason}; the leader work was cancelled")]
    public static partial void LeadershipLost(ILogger logger, string election, long term, LossReason reason, Exception? exception);

    [LoggerMessage(114, LogLevel.Information, "Resigned leadership of '{Election}' (term {Term})")]
    public static partial void Resigned(ILogger logger, string election, long term);

    [LoggerMessage(115, LogLevel.Error, "The leader work of '{Election}' (term {Term}) failed; resigned")]
    public static partial void LeaderWorkFailed(ILogger logger, string election, long term, Exception exception);

    [LoggerMessage(116, LogLevel.Information, "The leader work of '{Election}' (term {Term}) returned; resigned")]
    public static partial void LeaderWorkReturned(ILogger logger, string election, long term);

    [LoggerMessage(117, LogLevel.Warning, "Campaigning in election '{Election}' failed; trying again in {Delay}")]
    public static partial void CampaignFailed(ILogger logger, string election, TimeSpan delay, Exception exception);

    [LoggerMessage(118, LogLevel.Information, "Campaigning in election '{Election}' again in {Delay}")]
    public static partial void CampaigningAgain(ILogger logger, string election, TimeSpan delay);

    [LoggerMessage(121, LogLevel.Information, "Joined group '{Group}' as '{MemberId}' (token {Token})")]
    public static partial void Joined(ILogger logger, string group, string memberId, long token);

    [LoggerMessage(122, LogLevel.Warning, "Lost membership of group '{Group}' as '{MemberId}' (token {Token}): {Reason}; joining again in {Delay}")]
    public static partial void MembershipLost(ILogger logger, string group, string memberId, long token, LossReason reason, TimeSpan delay);

    [LoggerMessage(123, LogLevel.Information, "Left group '{Group}' as '{MemberId}' (token {Token})")]
    public static partial void Left(ILogger logger, string group, string memberId, long token);

    [LoggerMessage(124, LogLevel.Warning, "Joining group '{Group}' failed; trying again in {Delay}")]
    public static partial void JoinFailed(ILogger logger, string group, TimeSpan delay, Exception exception);

    [LoggerMessage(125, LogLevel.Warning, "Following the members of group '{Group}' failed; trying again in {Delay}")]
    public static partial void FollowFailed(ILogger logger, string group, TimeSpan delay, Exception exception);
}
