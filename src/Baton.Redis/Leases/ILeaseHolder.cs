namespace Baton.Redis.Leases;

/// <summary>A hold or a wait whose lease the coordinator's one <see cref="LeaseKeeper"/> renews.</summary>
internal interface ILeaseHolder
{
    /// <summary>The lease.</summary>
    Lease Lease { get; }

    /// <summary>
    /// Called by the keeper's loop: acts on deadlines that have passed (a hold whose lease may have expired is lost;
    /// a wait due for its safety re-check starts it) and returns the next moment this entry needs the loop, or
    /// <see cref="long.MaxValue"/>.
    /// </summary>
    long OnTick(long now);

    /// <summary>A renewal found the lease gone on the server.</summary>
    void OnRenewalRefused();
}
