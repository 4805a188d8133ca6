using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Baton.Hostile.Tests.Support;

/// <summary>
/// A key prefix of its own on the shared etcd. The whole key space is read: every key whose value names this test's
/// member id must lie under the prefix, and none may be left after release.
/// </summary>
internal sealed class EtcdNamespace : Namespace
{
    private readonly string _prefix = $"hostile/{Guid.NewGuid():N}/";
    private readonly EtcdClient _client = new($"http://{TestServers.HostPort(TestServers.Etcd)}");

    public override string Url => $"{TestServers.Etcd}?prefix={_prefix}&ttl=5s";

    public override Task SnapshotAsync() => Task.CompletedTask;

    public override async Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names)
    {
        var ours = await KeysNamingUsAsync();
        var problems = Outside(ours);
        if (ours.Count < names.Count)
        {
            problems.Add($"{names.Count} names are held but only {ours.Count} keys name the holder.");
        }

        return problems;
    }

    public override async Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names)
    {
        var ours = await KeysNamingUsAsync();
        var problems = Outside(ours);
        problems.AddRange(ours.Take(5).Select(k => $"A key naming the released holder is left: {Show.Name(k)}."));
        return problems;
    }

    public override ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private List<string> Outside(List<string> keys) =>
        [.. keys.Where(k => !k.StartsWith(_prefix, StringComparison.Ordinal)).Take(5).Select(k => $"A key outside the prefix: {Show.Name(k)}.")];

    private async Task<List<string>> KeysNamingUsAsync()
    {
        // The whole key space: from the smallest key to the end ("\0" as range end means "every key >= key").
        var response = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFrom(0), RangeEnd = ByteString.CopyFrom(0) });
        var marker = System.Text.Encoding.UTF8.GetBytes(MemberId);
        return [.. response.Kvs.Where(kv => kv.Value.Span.IndexOf(marker) >= 0).Select(kv => kv.Key.ToStringUtf8())];
    }
}
