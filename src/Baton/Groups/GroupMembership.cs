namespace Baton;

/// <summary>
/// Membership of a group, kept until left or lost: it ends by itself when the process dies or its session or
/// lease runs out, and the other members see it leave.
/// </summary>
public sealed class GroupMembership : IAsyncDisposable, IDisposable
{
    private readonly LockHandle _handle;

    internal GroupMembership(string group, string memberId, string? capabilities, LockHandle handle)
    {
        Group = group;
        MemberId = memberId;
        Capabilities = capabilities;
        _handle = handle;
    }

    /// <summary>The group's name.</summary>
    public string Group { get; }

    /// <summary>The member id joined with.</summary>
    public string MemberId { get; }

    /// <summary>The capabilities joined with, as JSON; null for none.</summary>
    public string? Capabilities { get; }

    /// <summary>The fencing token of the join.</summary>
    public long Token => _handle.FencingToken;

    /// <summary>Fires when membership can no longer be guaranteed (session or lease lost, broken by an operator).</summary>
    public CancellationToken LostToken => _handle.LostToken;

    /// <summary>True once membership is lost.</summary>
    public bool IsLost => _handle.IsLost;

    /// <summary>Why membership was lost, once <see cref="IsLost"/> is true.</summary>
    public LossReason? LossReason => _handle.LossReason;

    /// <summary>True once left.</summary>
    public bool HasLeft => _handle.IsReleased;

    /// <summary>Leaves the group. Idempotent; never throws.</summary>
    public ValueTask LeaveAsync() => _handle.ReleaseAsync();

    /// <summary>Leaves the group.</summary>
    public ValueTask DisposeAsync() => _handle.ReleaseAsync();

    /// <summary>Leaves the group, blocking.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>Shows the group and member.</summary>
    public override string ToString() => $"'{MemberId}' in group '{Group}'";
}
