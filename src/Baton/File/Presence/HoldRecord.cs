namespace Baton.Files.Presence;

/// <summary>
/// The published record of one hold or one wait (who, what, since when), wherever it is kept: inside the
/// lock file (the default layout, <see cref="Records.InFileRecord"/>) or in a file of its own beside it
/// (<see cref="PresenceRecord"/>, for the layouts that share or keep their lock files).
/// </summary>
internal abstract class HoldRecord
{
    /// <summary>What the record says now.</summary>
    public abstract RecordData Data { get; }

    /// <summary>Rewrites the record (a new state, mode or token).</summary>
    public abstract void Update(RecordData data);

    /// <summary>
    /// The record of a downgraded hold. Default: the same record, rewritten. A record whose liveness was the
    /// exclusive lock itself moves to a place with a liveness lock of its own.
    /// </summary>
    public virtual HoldRecord Downgrade(RecordData data)
    {
        Update(data);
        return this;
    }

    /// <summary>A clean end, made while the kernel lock is still held: from now on nobody finds the record.</summary>
    public abstract void Remove();

    /// <summary>Removes the record of a wait that ends while its file stays open (an upgrade's wait). Default: <see cref="Remove"/>.</summary>
    public virtual void Discard() => Remove();

    /// <summary>Ends the record as a crash would, marked abandoned (its coordinator was disposed while holding).</summary>
    public abstract void Abandon(long endedTicks);
}
