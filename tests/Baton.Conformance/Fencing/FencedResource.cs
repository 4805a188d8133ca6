namespace Baton.Conformance;

/// <summary>
/// A resource guarded by fencing tokens (Chubby's sequencers, DESIGN.md rule 2): it accepts a write only with a token
/// at least as new as every one it has seen, so a holder that lost its lock without knowing is refused.
/// </summary>
public sealed class FencedResource
{
    private long _highest;

    /// <summary>Writes with <paramref name="token"/>; false (and nothing written) when a newer token was seen.</summary>
    /// <param name="token">The writer's fencing token.</param>
    public bool TryWrite(long token)
    {
        if (token < _highest)
        {
            return false;
        }

        _highest = token;
        return true;
    }
}
