using System.Text;
using BenchmarkDotNet.Attributes;
using Baton.Partitioning;

namespace Baton.Benchmarks;

/// <summary>
/// The hash ring's lookups at the default 128 points per member, over 10 and 100 members: OwnerOf
/// must not allocate. Keys cycle through 1,024 distinct ones so the binary search does not always
/// take the same branches. SetMembers measures one member joining or leaving: diff, rebuild, publish.
/// </summary>
[MemoryDiagnoser]
public class HashRingBenchmarks
{
    private string[] _keys = [];
    private byte[][] _keyBytes = [];
    private HashRing _ring = null!;
    private RingMember[] _members = [];
    private RingMember[] _membersPlusOne = [];
    private int _next;

    /// <summary>Members on the ring.</summary>
    [Params(10, 100)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keys = Enumerable.Range(0, 1024).Select(i => $"order/{i * 7919}").ToArray();
        _keyBytes = Array.ConvertAll(_keys, Encoding.UTF8.GetBytes);
        _members = Enumerable.Range(0, Members).Select(i => new RingMember($"node-{i}")).ToArray();
        _membersPlusOne = [.. _members, new RingMember("node-extra")];
        _ring = new HashRing(_members);
    }

    [Benchmark(Description = "OwnerOf(string)")]
    public string? OwnerOf_String() => _ring.OwnerOf(_keys[_next++ & 1023]);

    [Benchmark(Description = "OwnerOf(UTF-8 bytes)")]
    public string? OwnerOf_Bytes() => _ring.OwnerOf(_keyBytes[_next++ & 1023]);

    [Benchmark(Description = "ReplicasOf(string, 3)")]
    public IReadOnlyList<string> ReplicasOf_Three() => _ring.ReplicasOf(_keys[_next++ & 1023], 3);

    [Benchmark(Description = "SetMembers: one joins or leaves")]
    public void SetMembers_OneChanges() => _ring.SetMembers((_next++ & 1) == 0 ? _membersPlusOne : _members);
}
