using Xunit;

namespace Baton.Hostile.Tests.Urls;

/// <summary>
/// Huge URLs (a megabyte of prefix, ten thousand hosts, a ten-thousand-digit ttl, a password of many kilobytes) are refused
/// at once with a short ArgumentException, on every scheme, before any connection and without the password; messages
/// quote the URL, and a megabyte in each would bury the problem (and every log line carrying it).
/// </summary>
public sealed class HugeUrlTests
{
    private const string Secret = "Zq9-s3cr3t";
    private static readonly string Huge = new('x', 1 << 20);
    private static readonly string ManyHosts = string.Join(',', Enumerable.Range(1, 10_000).Select(i => $"h{i}:{i}"));

    public static TheoryData<string> HugeUrls =>
    [
        Huge,
        "memory://" + Huge,
        "file:///tmp/" + Huge,
        "file:///tmp/x?layout=oslo&prefix=" + Huge,
        $"redis://:{Secret}@127.0.0.1?prefix=" + Huge,
        $"redis://:{Secret}@" + ManyHosts,
        $"redis://:{Secret}@127.0.0.1?ttl=" + new string('9', 10_000),
        $"redis://:{Secret}{new string('p', 8_000)}@127.0.0.1:1",
        $"postgres://u:{Secret}@127.0.0.1/db?schema=" + Huge,
        $"etcd://127.0.0.1:2379?username=root&password={Secret}&prefix=" + Huge,
        "etcd://" + ManyHosts,
        $"zookeeper://u:{Secret}@127.0.0.1:2181?prefix=/" + Huge,
        $"zookeeper://u:{Secret}@127.0.0.1:2181/" + string.Join('/', Enumerable.Repeat("deep", 2_000)),
    ];

    [Theory]
    [MemberData(nameof(HugeUrls))]
    public async Task ConnectAsync_HugeUrl_ShortArgumentExceptionWithoutThePassword(string url)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.ConnectAsync(url).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.InRange(e.Message.Length, 20, 500);
        Assert.Contains("characters long", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
    }
}
