namespace Baton;

/// <summary>
/// A leftover file found by <see cref="Coordinator.CleanAsync"/>: a lock file (or presence record) that nobody
/// holds or waits on, removed, or in a dry run, one that would be removed.
/// </summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Name">The lock name the file belongs to, where the backend can tell; null when it cannot (a file of another tool, a hashed name).</param>
/// <param name="SizeBytes">The file's size in bytes.</param>
/// <param name="Age">How long ago the file was last modified, when it was examined.</param>
/// <param name="Removed">True when the file was removed; false in a dry run (it would have been removed).</param>
public sealed record CleanedLockFile(string Path, string? Name, long SizeBytes, TimeSpan Age, bool Removed);
