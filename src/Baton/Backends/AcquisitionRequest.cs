namespace Baton.Backends;

/// <summary>What the core asks a backend for: one hold of one name.</summary>
/// <param name="Name">The validated name.</param>
/// <param name="Kind">Lock or semaphore namespace.</param>
/// <param name="Mode">Exclusive, shared or semaphore slot.</param>
/// <param name="MaxCount">The semaphore's number of slots; 1 for locks.</param>
/// <param name="Wait">False to try once and be denied at once when the name is taken; true to join the queue.</param>
/// <param name="Member">Who asks, for listings and takeover notices.</param>
/// <param name="PreparedName">What <see cref="CoordinationBackend.PrepareName"/> returned for this name, or null.</param>
public readonly record struct AcquisitionRequest(
    string Name, LockKind Kind, LockMode Mode, int MaxCount, bool Wait, MemberIdentity Member, object? PreparedName = null);
