using Baton.Etcd.Keys;
using Google.Protobuf;

namespace Baton.Etcd.Queue;

/// <summary>One contender key of a name as read from etcd.</summary>
internal sealed record Contender(ByteString Key, string Suffix, long CreateRevision, long ModRevision, long Lease, ContenderValue Value)
{
    public ContenderMode Mode => Value.Mode;

    /// <summary>Exclusive keys (Baton's writers, and every key of another tool) wait for everything before them.</summary>
    public bool IsWriter => Mode == ContenderMode.Exclusive;

    /// <summary>The fencing token of its hold: the key's create revision, or the one its value names (kept through a downgrade).</summary>
    public long Token => Value.Token != 0 ? Value.Token : CreateRevision;

    /// <summary>The token of a hold in <paramref name="mode"/>: an upgrade granted holds with the revision it was asked at.</summary>
    public long TokenHolding(LockMode mode) => Mode == ContenderMode.Upgrading && mode == LockMode.Exclusive ? ModRevision : Token;

    public MemberIdentity Member => Value.Member ?? UnknownMember.Of(Lease, Value.ForeignText);
}
