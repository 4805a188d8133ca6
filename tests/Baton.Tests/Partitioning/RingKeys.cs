using Baton.Partitioning;

namespace Baton.Tests.Partitioning;

/// <summary>Shared fixtures: the 100,000 keys and rings of numbered members.</summary>
internal static class RingKeys
{
    public static readonly string[] HundredThousand = Enumerable.Range(0, 100_000).Select(i => $"key-{i}").ToArray();

    public static RingMember[] Members(int count, string prefix = "member-") =>
        Enumerable.Range(0, count).Select(i => new RingMember($"{prefix}{i}")).ToArray();

    public static HashRingSnapshot Snapshot(IEnumerable<RingMember> members, HashRingOptions? options = null) =>
        new HashRing(members, options).Current;
}
