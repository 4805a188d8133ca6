using System.Globalization;

namespace Baton.Partitioning;

/// <summary>Options of a <see cref="HashRing"/>.</summary>
public sealed record HashRingOptions
{
    /// <summary>The smallest allowed <see cref="VirtualNodesPerWeight"/>.</summary>
    public const int MinVirtualNodesPerWeight = 1;

    /// <summary>The largest allowed <see cref="VirtualNodesPerWeight"/>.</summary>
    public const int MaxVirtualNodesPerWeight = 10_000;

    /// <summary>
    /// Points on the ring per unit of weight: a member gets round(weight × this) points, at least
    /// one. More points even out the members' shares (the spread of a share shrinks as
    /// 1/√points) at the cost of memory and build time. Default 128; 1 to 10,000. Every process
    /// that must agree on owners must use the same value.
    /// </summary>
    public int VirtualNodesPerWeight { get; init; } = 128;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the bad value, if any.</summary>
    internal void Validate()
    {
        if (VirtualNodesPerWeight is < MinVirtualNodesPerWeight or > MaxVirtualNodesPerWeight)
        {
            throw new ArgumentOutOfRangeException(
                nameof(VirtualNodesPerWeight),
                VirtualNodesPerWeight,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"HashRingOptions.VirtualNodesPerWeight must be between {MinVirtualNodesPerWeight} and {MaxVirtualNodesPerWeight:N0}; {VirtualNodesPerWeight} is not."));
        }
    }
}
