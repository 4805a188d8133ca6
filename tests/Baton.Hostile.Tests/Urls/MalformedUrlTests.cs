using System.Diagnostics;
using Xunit;

namespace Baton.Hostile.Tests.Urls;

/// <summary>
/// Malformed backend URLs for every scheme (bad and huge ports, empty hosts, unknown, duplicate and absurd options,
/// broken escapes, values that overflow) and passwords full of URL syntax: each is a typed error (ArgumentException for a URL
/// that is wrong, BackendUnavailableException for one that cannot be reached) within a bound, and no message, inner
/// message or stack text ever contains the password, raw or decoded.
/// </summary>
public sealed class MalformedUrlTests
{
    /// <summary>The distinctive part of every password below; it must never be seen.</summary>
    private const string Secret = "Zq9-s3cr3t";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public static TheoryData<string> BadUrls =>
    [
        // Not URLs at all, unknown schemes.
        "", " ", "://", "\0", "redis", "redis:/" + Secret + "@h", $"mysql://u:{Secret}@h/db", $"re dis://u:{Secret}@h", "☃://x",

        // memory://
        "memory://a,b", $"memory://u:{Secret}@scope", "memory://x?ttl=5s", "memory:///path", "memory://x?a=1&a=1",

        // file://
        "file:relative", "file://host/x", "file:///tmp/%zz", "file:///tmp/x?api=flock&api=ofd", "file:///tmp/x?API=flock&api=flock",
        "file:///tmp/x?api=", "file:///tmp/x?layout=oslo&prefix=a/b", "file:///tmp/x?mode=table&mode=files",
        $"file:///tmp/x?password={Secret}",

        // redis://
        $"redis://:{Secret}@:6379", $"redis://:{Secret}@127.0.0.1:0", $"redis://:{Secret}@127.0.0.1:-1", $"redis://:{Secret}@127.0.0.1:65536",
        $"redis://:{Secret}@127.0.0.1:99999999999999999999", $"redis://:{Secret}@127.0.0.1:+80", $"redis://:{Secret}@127.0.0.1: 80", $"redis://:{Secret}@[::1",
        $"redis://:{Secret}@[::1]x", $"redis://:{Secret}@127.0.0.1/99999999999", $"redis://:{Secret}@127.0.0.1/-1", $"redis://:{Secret}@127.0.0.1/0/1",
        $"redis://:{Secret}@127.0.0.1?prefix=a&prefix=b", $"redis://:{Secret}@127.0.0.1?Prefix=a&PREFIX=b",
        $"redis://:{Secret}@127.0.0.1?ttl=NaN", $"redis://:{Secret}@127.0.0.1?ttl=Infinity", $"redis://:{Secret}@127.0.0.1?ttl=-5s",
        $"redis://:{Secret}@127.0.0.1?ttl=1e400", $"redis://:{Secret}@127.0.0.1?ttl=99999999999999999999h", $"redis://:{Secret}@127.0.0.1?ttl=5%20s",
        $"redis://:{Secret}@127.0.0.1?ttl=0x10", $"redis://:{Secret}@127.0.0.1?ttl=" + new string('9', 400),
        $"redis://us%zzer:{Secret}@127.0.0.1", $"redis://:{Secret}%zz@127.0.0.1", $"redis://:Zq9%2Ds3cr3t@127.0.0.1?colour=blue",
        $"redis://:{Secret}@:@:/?#@127.0.0.1:1?x=1", $"rediss://:{Secret}@127.0.0.1?ttl=1ms",
        $"redis://user:{Secret}@:/#?@127.0.0.1:1/2",

        // postgres://
        $"postgres://u:{Secret}@:5432/db", $"postgres://u:{Secret}@127.0.0.1:0/db", $"postgres://u:{Secret}@127.0.0.1:65536/db",
        $"postgres://u:{Secret}@127.0.0.1:99999999999999999999/db", $"postgres://u:{Secret}@[::1/db", $"postgresql://u:{Secret}@127.0.0.1/db?schema=a;drop",
        $"postgres://u:{Secret}@127.0.0.1/db?schema=\"x\"", $"postgres://u:{Secret}@127.0.0.1/db?schema=" + new string('s', 64),
        $"postgres://u:{Secret}@127.0.0.1/db?keyspace=99999999999", $"postgres://u:{Secret}@127.0.0.1/db?keyspace=-99999999999",
        $"postgres://u:{Secret}@127.0.0.1/db?checkInterval=NaN", $"postgres://u:{Secret}@127.0.0.1/db?checkInterval=-1s",
        $"postgres://u:{Secret}@127.0.0.1/db?maxWaitingSessions=-1", $"postgres://u:{Secret}@127.0.0.1/db?maxWaitingSessions=99999999999",
        $"postgres://u:{Secret}@127.0.0.1/db?sslmode=disable&sslmode=require", $"postgres://u:{Secret}@127.0.0.1/db?Password={Secret}",
        $"postgres://u:{Secret}@127.0.0.1/db?options=-c%20log_statement=all", $"postgres://u:{Secret}@127.0.0.1/%zz",

        // etcd://
        $"etcd://root:{Secret}@:2379", $"etcd://root:{Secret}@127.0.0.1:0", $"etcd://root:{Secret}@127.0.0.1:65536", $"etcd://root:{Secret}@127.0.0.1:notaport",
        $"etcd://127.0.0.1:2379?username=root&password={Secret}&password=x", $"etcd://127.0.0.1:2379?username=root&pass%77ord={Secret}&color=blue",
        $"etcd://127.0.0.1:2379?username=root&password={Secret}&ttl=NaN", $"etcd://127.0.0.1:2379?password={Secret}&ttl=99999999999999999999h",
        $"etcd://127.0.0.1:2379?ttl=-1s", $"etcd://127.0.0.1:2379,,127.0.0.1:2380",
        $"etcds://root:{Secret}@127.0.0.1:2379?cacert=/nonexistent", $"etcd://root:{Secret}@[::1",

        // zookeeper://
        $"zookeeper://u:{Secret}@:2181", $"zookeeper://u:{Secret}@127.0.0.1:0", $"zookeeper://u:{Secret}@127.0.0.1:65536",
        $"zookeeper://u:{Secret}@127.0.0.1:2181/a/../b", $"zookeeper://u:{Secret}@127.0.0.1:2181/a//b",
        $"zookeeper://u:{Secret}@127.0.0.1:2181?prefix=/a&prefix=/b", $"zookeeper://u:{Secret}@127.0.0.1:2181?prefix=/zookeeper/x",
        $"zookeeper://u:{Secret}@127.0.0.1:2181?prefix=/a/./b", $"zookeeper://u:{Secret}@127.0.0.1:2181?ttl=NaN", $"zookeeper://u:{Secret}@127.0.0.1:2181?ttl=1e400", $"zookeeper://u:{Secret}@127.0.0.1:2181/%00", $"zookeeper://u:{Secret}@[::1",
    ];

    [Theory]
    [MemberData(nameof(BadUrls))]
    public async Task ConnectAsync_MalformedUrl_ArgumentExceptionWithoutThePassword(string url)
    {
        var clock = Stopwatch.StartNew();
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        }).WaitAsync(Bound);

        Assert.True(error is ArgumentException, $"Expected an ArgumentException, got {error?.GetType().Name ?? "a connection"} for {Shown(url)}: {error}");
        Assert.True(clock.Elapsed < Bound, $"Refusing took {clock.Elapsed}.");
        AssertNoSecret(error!);
        Assert.True(error!.Message.Length is > 20 and < 6_000, $"The message is {error.Message.Length} characters: {Shown(error.Message)}");
    }

    public static TheoryData<string> UnreachableWithSpecialPasswords =>
    [
        $"redis://:{Secret}%40%3A%2F%3F%23%25@127.0.0.1:1",
        $"rediss://:{Secret}é%F0%9F%94%92@127.0.0.1:1",
        $"postgres://u:{Secret}%40%3A%2F%3F%23@127.0.0.1:1/db",
        $"postgresql://u%40x:{Secret};Host=evil;@127.0.0.1:1/db",
        $"etcd://127.0.0.1:1?username=root&password={Secret}%26x%3Dy",
        $"etcd://root:{Secret}%40%3A@127.0.0.1:1",
        $"zookeeper://u:{Secret}%40%3A%2F@127.0.0.1:1",
        $"zookeeper://u:{Secret}:@127.0.0.1:1/chroot",
    ];

    [Theory]
    [MemberData(nameof(UnreachableWithSpecialPasswords))]
    public async Task ConnectAsync_Unreachable_PasswordWithUrlSyntax_BackendUnavailableWithoutIt(string url)
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var coordinator = await Coordinator.ConnectAsync(url, new CoordinatorOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        }).WaitAsync(Bound);

        Assert.True(error is BackendUnavailableException, $"Expected a BackendUnavailableException for {Shown(url)}, got {error}");
        AssertNoSecret(error!);
        Assert.Contains("127.0.0.1", error!.Message, StringComparison.Ordinal);
    }

    private static void AssertNoSecret(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    private static string Shown(string text) => text.Length > 200 ? text[..200] + $"…({text.Length} chars)" : text;
}
