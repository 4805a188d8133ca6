namespace Baton;

/// <summary>
/// Leadership of an election, held until resigned or lost. Work that must only run while leading watches
/// <see cref="LostToken"/> and passes <see cref="Term"/> to the resources it changes, so that they can refuse a
/// deposed leader's late writes.
/// </summary>
public sealed class Leadership : IAsyncDisposable, IDisposable
{
    private readonly LockHandle _handle;

    internal Leadership(string election, LockHandle handle, MemberIdentity leader)
    {
        Election = election;
        _handle = handle;
        Leader = leader;
    }

    /// <summary>The election's name.</summary>
    public string Election { get; }

    /// <summary>This leader: host, process and member id.</summary>
    public MemberIdentity Leader { get; }

    /// <summary>The term: a fencing token that is larger than every earlier leader's.</summary>
    public long Term => _handle.FencingToken;

    /// <summary>Fires when leadership can no longer be guaranteed (session or lease lost, broken by an operator).</summary>
    public CancellationToken LostToken => _handle.LostToken;

    /// <summary>True once leadership is lost.</summary>
    public bool IsLost => _handle.IsLost;

    /// <summary>Why leadership was lost, once <see cref="IsLost"/> is true.</summary>
    public LossReason? LossReason => _handle.LossReason;

    /// <summary>Set when the previous leader did not resign cleanly (it crashed, or its session ended).</summary>
    public TakeoverNotice? Takeover => _handle.Takeover;

    /// <summary>True once resigned.</summary>
    public bool IsResigned => _handle.IsReleased;

    /// <summary>Steps down, letting the next candidate lead. Idempotent; never throws.</summary>
    public ValueTask ResignAsync() => _handle.ReleaseAsync();

    /// <summary>Resigns.</summary>
    public ValueTask DisposeAsync() => _handle.ReleaseAsync();

    /// <summary>Resigns, blocking.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>Shows the election and term.</summary>
    public override string ToString() => $"leader of '{Election}' (term {Term})";
}
