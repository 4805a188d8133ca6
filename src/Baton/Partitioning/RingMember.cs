using System.Globalization;
using Baton.Internal;

namespace Baton.Partitioning;

/// <summary>
/// A member of a <see cref="HashRing"/>: an id and a weight. A member of weight 2 gets twice the
/// virtual nodes, so about twice the keys, of a member of weight 1.
/// </summary>
/// <param name="Id">Any non-empty string of at most 1,024 UTF-8 bytes without NUL (the rule for lock names).</param>
/// <param name="Weight">Finite, greater than 0 and at most 1,000; 1 by default.</param>
public sealed record RingMember(string Id, double Weight = 1.0)
{
    /// <summary>The largest weight a member may have.</summary>
    public const double MaxWeight = 1000;

    // Validated here, in the init accessors too, so no RingMember (nor a `with` copy) is ever invalid
    // and the ring need not check members again.
    private readonly string _id = ValidId(Id);
    private readonly double _weight = ValidWeight(Weight);

    /// <summary>The member's id; owners and replicas are reported by it.</summary>
    public string Id { get => _id; init => _id = ValidId(value); }

    /// <summary>The member's weight: its share of the ring relative to the other members.</summary>
    public double Weight { get => _weight; init => _weight = ValidWeight(value); }

    private static string ValidId(string id)
    {
        NameValidation.Validate(id, nameof(Id), "A ring member id");
        return id;
    }

    // paramName is the record's parameter, Weight, which this method cannot name as its own.
    private static double ValidWeight(double weight, string paramName = nameof(Weight))
    {
        if (!double.IsFinite(weight) || weight <= 0 || weight > MaxWeight)
        {
            throw new ArgumentOutOfRangeException(
                paramName,
                weight,
                string.Create(CultureInfo.InvariantCulture, $"A ring member's weight must be finite, greater than 0 and at most {MaxWeight:N0}; {weight} is not."));
        }

        return weight;
    }
}
