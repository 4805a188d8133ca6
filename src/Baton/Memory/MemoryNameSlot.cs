namespace Baton.Memory;

/// <summary>A primitive's memory of its name's state, so an acquisition skips the table lookup.</summary>
internal sealed class MemoryNameSlot
{
    /// <summary>The last state used; may have been swept since, which <see cref="MemoryLockState.TryStart"/> reports.</summary>
    public MemoryLockState? State { get; set; }
}
