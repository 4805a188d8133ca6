using Baton.Backends;
using Xunit;

namespace Baton.Hostile.Tests.Urls;

/// <summary>A secret option hidden however its key is written: Parse decodes keys, so Redact must recognise them decoded too.</summary>
public sealed class RedactionTests
{
    [Theory]
    [InlineData("etcd://h:1?pass%77ord=Zq9-s3cr3t", "etcd://h:1?pass%77ord=***")]
    [InlineData("etcd://h:1?%70%61%73%73%77%6f%72%64=Zq9-s3cr3t&ttl=5s", "etcd://h:1?%70%61%73%73%77%6f%72%64=***&ttl=5s")]
    [InlineData("etcd://h:1?PASSWORD=Zq9-s3cr3t", "etcd://h:1?PASSWORD=***")]
    [InlineData("etcd://h:1?pass%zzword=Zq9-s3cr3t", "etcd://h:1?pass%zzword=Zq9-s3cr3t")]
    public void Redact_EncodedSecretKey_HidesTheValue(string url, string expected) => Assert.Equal(expected, BackendUrl.Redact(url));

    [Fact]
    public async Task ConnectAsync_EncodedPasswordKeyAndBadOption_MessageHidesThePassword()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => Coordinator.ConnectAsync("etcd://127.0.0.1:1?username=root&pass%77ord=Zq9-s3cr3t&color=blue").AsTask());

        Assert.DoesNotContain("Zq9-s3cr3t", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("color", e.Message, StringComparison.Ordinal);
    }
}
