namespace Baton;

/// <summary>
/// One entry of a clean by <see cref="Coordinator.CleanAsync"/>: a leftover file (a lock file or presence record that
/// nobody holds or waits on) that was removed, or in a dry run would be; or an entry that looked like it might be one
/// and was left in place on purpose, saying why (<see cref="SkipReason"/>: a symbolic link, not a lock file, another
/// user's, replaced while it was examined). Files someone holds or waits on are not leftovers and are not reported.
/// </summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Name">The lock name the file belongs to, where the backend can tell; null when it cannot (a file of another tool, a hashed name).</param>
/// <param name="SizeBytes">The file's size in bytes.</param>
/// <param name="Age">How long ago the file was last modified, when it was examined (zero when its time lies ahead of the clock).</param>
/// <param name="Removed">True when the file was removed; false in a dry run (it would have been removed) and for a skipped entry.</param>
/// <param name="SkipReason">Why the entry was left in place; null for a leftover that was removed or, in a dry run, would be.</param>
public sealed record CleanedLockFile(string Path, string? Name, long SizeBytes, TimeSpan Age, bool Removed, string? SkipReason = null)
{
    /// <summary>True when the entry was left in place on purpose; <see cref="SkipReason"/> says why.</summary>
    public bool Skipped => SkipReason is not null;
}
