using Baton.Backends;
using Xunit;

namespace Baton.Tests.Core;

public sealed class BackendUrlTests
{
    [Fact]
    public void Parse_FullUrl_SplitsEveryPart()
    {
        var url = BackendUrl.Parse("Redis://user:p%40ss@h1:6379,h2:6380/3?ttl=15s&Prefix=a%2Fb");

        Assert.Equal("redis", url.Scheme);
        Assert.Equal("user", url.UserName);
        Assert.Equal("p@ss", url.Password);
        Assert.Equal(["h1:6379", "h2:6380"], url.Hosts);
        Assert.Equal("/3", url.Path);
        Assert.Equal("15s", url.GetQuery("ttl"));
        Assert.Equal("a/b", url.GetQuery("prefix"));
        Assert.Null(url.GetQuery("missing"));
    }

    [Fact]
    public void Parse_NoAuthority_HasNoHosts()
    {
        var url = BackendUrl.Parse("file:///var/lock/app");

        Assert.Equal("file", url.Scheme);
        Assert.Empty(url.Hosts);
        Assert.Equal("/var/lock/app", url.Path);
    }

    [Fact]
    public void ToString_WithPassword_HidesIt()
    {
        var url = BackendUrl.Parse("postgres://baton:hunter2@127.0.0.1:5432/db?sslmode=disable");

        Assert.DoesNotContain("hunter2", url.ToString(), StringComparison.Ordinal);
        Assert.Equal("postgres://baton:***@127.0.0.1:5432/db?sslmode=disable", url.ToString());
    }

    [Theory]
    [InlineData("etcd://127.0.0.1:2379?username=root&password=hunter2", "etcd://127.0.0.1:2379?username=root&password=***")]
    [InlineData("redis://:hunter2@localhost:6379", "redis://:***@localhost:6379")]
    [InlineData("not a url :hunter2@x", "not a url :***@x")]
    [InlineData("memory://", "memory://")]
    [InlineData("redis://:pa?ss/w#rd@localhost:6379/0", "redis://:***@localhost:6379/0")]
    [InlineData("postgres://u:p@ss@host/db?password=x", "postgres://u:***@host/db?password=***")]
    [InlineData("file:///tmp/a:b@c/locks", "file:///tmp/a:b@c/locks")]
    public void Redact_Secrets_AreHidden(string input, string expected) =>
        Assert.Equal(expected, BackendUrl.Redact(input));

    [Theory]
    [InlineData("no-scheme-here")]
    [InlineData("://host")]
    [InlineData("re dis://host")]
    [InlineData("redis://h1,,h2")]
    [InlineData("redis://host?ttl=1&ttl=2")]
    [InlineData("redis://host/%zz")]
    public void Parse_Malformed_ThrowsArgumentExceptionThatSaysWhy(string input)
    {
        var error = Assert.Throws<ArgumentException>(() => BackendUrl.Parse(input));

        Assert.Contains("'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedWithPassword_MessageHidesPassword()
    {
        var error = Assert.Throws<ArgumentException>(() => BackendUrl.Parse("redis://:hunter2@h1,,h2"));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoScheme_ListsKnownSchemes()
    {
        var error = Assert.Throws<ArgumentException>(() => BackendUrl.Parse("localhost:6379"));

        Assert.Contains("memory", error.Message, StringComparison.Ordinal);
        Assert.Contains("redis", error.Message, StringComparison.Ordinal);
    }
}
