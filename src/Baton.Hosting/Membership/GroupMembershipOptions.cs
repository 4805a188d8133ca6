namespace Baton.Hosting;

/// <summary>
/// Settings of one group membership: named options, named after the group, set by
/// <c>AddGroupMembership(group, configure)</c> (or <c>services.Configure&lt;GroupMembershipOptions&gt;(group, …)</c>) and
/// validated when the host starts.
/// </summary>
public sealed class GroupMembershipOptions
{
    /// <summary>
    /// The member id, unique within the group. Default: null, which takes <see cref="BatonOptions.MemberId"/>, or
    /// <c>host:pid</c> when that is not set either. A fixed id (a pod name) keeps the keys an instance owns when it
    /// restarts; an id in use by a live member is waited for (<see cref="JoinTimeout"/>).
    /// </summary>
    public string? MemberId { get; set; }

    /// <summary>
    /// What this member offers, as one JSON value of at most 1,024 UTF-8 bytes, seen by every member in listings. A
    /// number in its <c>"weight"</c> property (such as <c>{"weight": 2}</c>) is the member's weight on the hash ring.
    /// Default: null, none (weight 1).
    /// </summary>
    public string? Capabilities { get; set; }

    /// <summary>
    /// How long a join waits for an earlier member with the same id to leave (a crashed instance whose session or lease
    /// has not run out yet) before it logs a warning and tries again after the retry delay. Default: 30 seconds.
    /// </summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The pause before joining again after the membership was lost or a join failed. It doubles after each further
    /// failure, up to <see cref="MaxRetryDelay"/>. Default: 1 second.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest pause between joins after repeated failures. Default: 1 minute.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The hash ring's points per unit of weight (<see cref="Partitioning.HashRingOptions.VirtualNodesPerWeight"/>):
    /// every process that must agree on owners uses the same value. Default: 128.
    /// </summary>
    public int VirtualNodesPerWeight { get; set; } = 128;
}
