namespace Baton.Files.Cleaning;

/// <summary>The terms of one clean, shared by every entry it examines.</summary>
/// <param name="Now">"Now" by the backend's clock, for ages.</param>
/// <param name="OlderThan">Only entries last modified at least this long ago; zero for every one.</param>
/// <param name="DryRun">Remove nothing; report what would be removed.</param>
/// <param name="UserId">This process's effective uid: another user's files are never ours to remove.</param>
/// <param name="InUse">Lock files that a live presence record names: someone holds or waits on them.</param>
internal sealed record CleanRequest(DateTimeOffset Now, TimeSpan OlderThan, bool DryRun, uint UserId, IReadOnlySet<string> InUse)
{
    /// <summary>
    /// A record temporary younger than this may be a live writer's, created but not yet locked (it locks and renames
    /// it within microseconds); removing it would fail that writer's acquisition, so it is left for a later clean.
    /// </summary>
    public static readonly TimeSpan TemporaryGrace = TimeSpan.FromMinutes(1);

    /// <summary>How long ago a file was last modified; zero when its time lies ahead of the clock.</summary>
    public TimeSpan AgeOf(in Native.Statx stat)
    {
        var modified = DateTimeOffset.FromUnixTimeSeconds(stat.MtimeSeconds).AddTicks(stat.MtimeNanoseconds / TimeSpan.NanosecondsPerTick);
        var age = Now - modified;
        return age < TimeSpan.Zero ? TimeSpan.Zero : age;
    }

    /// <summary>True when the entry was modified too recently for this clean.</summary>
    public bool TooRecent(TimeSpan age) => OlderThan > TimeSpan.Zero && age < OlderThan;
}
