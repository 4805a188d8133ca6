using Baton.Backends;

namespace Baton.Ordering;

/// <summary>
/// One acquisition as the flow that made it sees it: pending while it is attempted, held once granted
/// until its handle is released (wherever that happens), ended when it failed.
/// </summary>
internal sealed class HoldRecord(LockOrderName name, int maxCount, long flowId, FlowHolds? before)
{
    private const int Pending = 0;
    private const int Granted = 1;
    private const int Failed = 2;

    private LockGrant? _grant;
    private int _state;

    public LockOrderName Name { get; } = name;

    /// <summary>The semaphore's number of slots; 1 for locks.</summary>
    public int MaxCount { get; } = maxCount;

    /// <summary>What the flow had acquired when this acquisition started.</summary>
    public FlowHolds? Before { get; } = before;

    /// <summary>The flow's number, for messages.</summary>
    public long FlowId { get; } = flowId;

    /// <summary>Granted and its handle not yet released (a grant whose handle is still being made counts as held).</summary>
    public bool IsHeld =>
        Volatile.Read(ref _state) == Granted && Volatile.Read(ref _grant)?.Handle is not { IsReleased: true };

    /// <summary>Neither pending nor held: nothing will make it held again.</summary>
    public bool IsOver => Volatile.Read(ref _state) switch
    {
        Pending => false,
        Granted => Volatile.Read(ref _grant)?.Handle is { IsReleased: true },
        _ => true,
    };

    /// <summary>The acquisition ended: granted, or not (null).</summary>
    public void Complete(LockGrant? grant)
    {
        if (grant is null)
        {
            Volatile.Write(ref _state, Failed);
            return;
        }

        Volatile.Write(ref _grant, grant);
        Volatile.Write(ref _state, Granted);
    }
}
