using Baton.Introspection;

namespace Baton.Dashboard.Feed;

/// <summary>
/// One read of the backend: the listing, or why it failed. <see cref="Version"/> grows only when what is held or
/// awaited changed (not when only the durations grew), so a stream sends only changes.
/// </summary>
/// <param name="Version">Grows by one with every change; never 0.</param>
/// <param name="Document">The listing; null when the read failed.</param>
/// <param name="Error">Why the read failed; null when it succeeded.</param>
internal sealed record FeedSnapshot(long Version, LocksDocument? Document, string? Error);
