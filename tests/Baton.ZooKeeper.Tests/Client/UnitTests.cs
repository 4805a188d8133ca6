using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Client.Connection;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Watches;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

/// <summary>The pieces without a server: jute encoding, paths and the watch table's trigger rules.</summary>
public sealed class UnitTests
{
    [Fact]
    public void Jute_RoundTrip_IsBigEndianAndLengthPrefixed()
    {
        var writer = new JuteWriter(4);
        var frame = writer.BeginFrame();
        writer.WriteInt(-2);
        writer.WriteLong(0x0102030405060708);
        writer.WriteBool(true);
        writer.WriteString("é/x");
        writer.WriteString(null);
        writer.WriteBuffer([9, 8]);
        writer.EndFrame(frame);
        var bytes = writer.WrittenSpan.ToArray();
        Assert.Equal([0, 0, 0, (byte)(bytes.Length - 4), 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0, 0, 0, 4], bytes[..21]);

        var reader = new JuteReader(bytes.AsSpan(4));
        Assert.Equal(-2, reader.ReadInt());
        Assert.Equal(0x0102030405060708, reader.ReadLong());
        Assert.True(reader.ReadBool());
        Assert.Equal("é/x", reader.ReadString());
        Assert.Null(reader.ReadString());
        Assert.Equal([9, 8], reader.ReadBuffer());
        Assert.Equal(0, reader.Remaining);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 9, 1 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xf0 })]
    [InlineData(new byte[] { 0, 0, 0, 1, 0xff })]
    public void Jute_Malformed_ThrowsProtocolException(byte[] bytes)
    {
        Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(bytes);
            return reader.ReadString();
        });
    }

    [Theory]
    [InlineData(null, "/a", "/a")]
    [InlineData("/app", "/", "/app")]
    [InlineData("/app", "/a/b", "/app/a/b")]
    public void Chroot_Prepend(string? chroot, string path, string expected) => Assert.Equal(expected, PathRules.Prepend(chroot, path));

    [Theory]
    [InlineData("/app", "/app/a", "/a")]
    [InlineData("/app", "/app", "/")]
    [InlineData("/app", "/apple", "/apple")]
    [InlineData(null, "/x", "/x")]
    public void Chroot_Strip(string? chroot, string serverPath, string expected) => Assert.Equal(expected, PathRules.Strip(chroot, serverPath));

    [Fact]
    public void Paths_SequentialMayEndWithSlash()
    {
        PathRules.Validate("/queue/", sequential: true);
        Assert.Throws<ArgumentException>(() => PathRules.Validate("/queue/"));
        Assert.Null(PathRules.NormalizeChroot("/"));
        Assert.Throws<ArgumentException>(() => PathRules.NormalizeChroot("app"));
    }

    [Fact]
    public void WatchTable_Triggers_FollowZooKeepersKinds()
    {
        var table = new WatchTable();
        var calls = new List<string>();
        ZooKeeperWatcher data = _ => calls.Add("data");
        ZooKeeperWatcher exist = _ => calls.Add("exist");
        ZooKeeperWatcher child = _ => calls.Add("child");
        table.AddData("/p", data);
        table.AddData("/p", data);
        table.AddExist("/p", data);
        table.AddExist("/q", exist);
        table.AddChild("/p", child);

        Assert.Equal([data], table.Trigger(WatchedEventType.NodeDataChanged, "/p")); // once, though registered thrice
        Assert.Empty(table.Trigger(WatchedEventType.NodeDataChanged, "/p"));       // one-time
        Assert.Empty(table.Trigger(WatchedEventType.NodeChildrenChanged, "/q"));
        Assert.Equal([exist], table.Trigger(WatchedEventType.NodeCreated, "/q"));
        table.AddData("/p", data);
        Assert.Equal(new[] { data, child }.ToHashSet(), table.Trigger(WatchedEventType.NodeDeleted, "/p").ToHashSet());
        Assert.True(table.IsEmpty);

        table.AddData("/a", data);
        table.AddChild("/a", data);
        table.AddChild("/b", data);
        Assert.Equal(2, table.TakeAll().Count); // per path, once
        Assert.True(table.IsEmpty);
    }

    [Fact]
    public void SetWatches_ManyPaths_SplitIntoFramesUnderTheServersLimitWithEveryPathOnce()
    {
        var data = Enumerable.Range(0, 3000).Select(i => $"/data/{i}/{new string('d', 60)}").ToList();
        var exist = Enumerable.Range(0, 10).Select(i => $"/exist/{i}").ToList();
        var child = Enumerable.Range(0, 1500).Select(i => $"/child/{i}/{new string('c', 60)}").ToList();
        var plan = SetWatchesPlan.Create(42, "/root", data, exist, child)!;

        var seen = new List<string>[] { [], [], [] };
        var frames = 0;
        var bytes = plan.Frames.Span;
        while (bytes.Length > 0)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes);
            Assert.InRange(length, 1, 200 * 1024);
            var reader = new JuteReader(bytes.Slice(4, length));
            Assert.Equal(-8, reader.ReadInt());
            Assert.Equal(101, reader.ReadInt());
            Assert.Equal(42, reader.ReadLong());
            foreach (var kind in seen)
            {
                kind.AddRange(reader.ReadStringVector());
            }

            Assert.Equal(0, reader.Remaining);
            bytes = bytes[(4 + length)..];
            frames++;
        }

        Assert.True(frames > 1);
        Assert.Equal(data.Select(p => "/root" + p), seen[0]);
        Assert.Equal(exist.Select(p => "/root" + p), seen[1]);
        Assert.Equal(child.Select(p => "/root" + p), seen[2]);
        Assert.Null(SetWatchesPlan.Create(1, null, [], [], []));
    }
}
