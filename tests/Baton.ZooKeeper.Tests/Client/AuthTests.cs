using Baton.ZooKeeper.Client;
using Baton.ZooKeeper.Tests.Support;
using Xunit;

namespace Baton.ZooKeeper.Tests.Client;

public sealed class AuthTests
{
    private const string Password = "s3cret-Pa55word";

    [Fact]
    public async Task Digest_CreatorAll_DeniesAnotherClientAndNeverShowsThePassword()
    {
        var options = ZooKeeperTestServer.Options() with { Auth = [ZooKeeperAuth.Digest("alice", Password)] };
        await using var alice = await ZooKeeperClient.ConnectAsync(options, CancellationToken.None);
        await using var anonymous = await ZooKeeperTestServer.ConnectAsync();
        var root = await ZooKeeperTestServer.NewPathAsync(alice, "auth");
        var path = (await alice.CreateAsync(root + "/private", "hidden"u8.ToArray(), CreateMode.Persistent, CancellationToken.None, ZooKeeperAcl.CreatorAll)).Path;

        Assert.Equal("hidden"u8.ToArray(), (await alice.GetDataAsync(path, null, CancellationToken.None)).Data);
        var denied = await anonymous.GetDataAsync(path, null, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoAuth);
        await anonymous.SetDataAsync(path, default, -1, CancellationToken.None).ThrowsAsync(ZooKeeperErrorCode.NoAuth);

        // Another client with the same credentials is the same identity.
        await using var alsoAlice = await ZooKeeperClient.ConnectAsync(options, CancellationToken.None);
        Assert.Equal("hidden"u8.ToArray(), (await alsoAlice.GetDataAsync(path, null, CancellationToken.None)).Data);

        var withoutAuth = await anonymous.CreateAsync(root + "/x", default, CreateMode.Persistent, CancellationToken.None, ZooKeeperAcl.CreatorAll).ThrowsAsync(ZooKeeperErrorCode.InvalidAcl);
        foreach (var text in new[] { denied.ToString(), withoutAuth.ToString(), options.ToString(), options.Auth[0].ToString() })
        {
            Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        }

        Assert.Contains("digest", options.Auth[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownScheme_Connect_FailsWithAuthFailedWithoutShowingCredentials()
    {
        var options = ZooKeeperTestServer.Options() with { Auth = [new ZooKeeperAuth("no-such-scheme", "user:" + Password is var data ? System.Text.Encoding.UTF8.GetBytes(data) : [])] };
        var exception = await Assert.ThrowsAsync<ZooKeeperException>(() => ZooKeeperClient.ConnectAsync(options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ZooKeeperErrorCode.AuthFailed, exception.Code);
        Assert.Contains("no-such-scheme", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_Data_IsUserColonPasswordInUtf8()
    {
        var auth = ZooKeeperAuth.Digest("bob", "pä:ss");
        Assert.Equal("digest", auth.Scheme);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes("bob:pä:ss"), auth.Data);
        Assert.Throws<ArgumentException>(() => ZooKeeperAuth.Digest("a:b", "x"));
    }
}
