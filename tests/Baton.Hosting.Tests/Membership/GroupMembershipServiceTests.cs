using Baton.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Baton.Hosting.Tests.Membership;

/// <summary>The membership service in real hosts: join at start, see the others, leave at stop, join again after a loss.</summary>
public sealed class GroupMembershipServiceTests
{
    private const string Group = "workers";

    [Theory]
    [MemberData(nameof(TestBackends.Kinds), MemberType = typeof(TestBackends))]
    public async Task TwoHosts_EachSeesBoth_OneStops_TheOtherSeesItLeaveAndTakesItsKeys(string kind)
    {
        var url = TestBackends.NewUrl(kind, "membership-two");
        await using var a = await StartMemberHostAsync(url, "a");
        await using var b = await StartMemberHostAsync(url, "b", """{"weight": 2}""");
        var serviceA = a.Services.GetRequiredService<GroupMembershipService>();
        var serviceB = b.Services.GetRequiredService<GroupMembershipService>();

        await serviceA.WaitForMembershipAsync().WaitAsync(TestHost.Patience);
        await serviceB.WaitForMembershipAsync().WaitAsync(TestHost.Patience);
        var ringOfA = await serviceA.Ring.WaitUntilAsync(r => r.Members.Count == 2);
        var ringOfB = await serviceB.Ring.WaitUntilAsync(r => r.Members.Count == 2);

        Assert.Equal(["a", "b"], ringOfA.Ids());
        Assert.Equal(["a", "b"], ringOfB.Ids());
        Assert.Equal(2, ringOfA.Members.Single(m => m.Id == "b").Weight);
        Assert.True(serviceA.IsMember);
        Assert.Equal("a", serviceA.MemberId);
        var keys = Enumerable.Range(0, 200).Select(i => $"node/{i}").ToArray();
        var keysOfB = keys.Where(k => ringOfA.OwnerOf(k) == "b").ToArray();
        Assert.NotEmpty(keysOfB);
        Assert.All(keys, k => Assert.Equal(serviceA.OwnerOf(k), serviceB.OwnerOf(k)));
        Assert.All(keys, k => Assert.NotEqual(serviceA.Owns(k), serviceB.Owns(k)));
        var members = await serviceA.GetMembersAsync();
        Assert.Equal("""{"weight": 2}""", members.Single(m => m.Id == "b").Capabilities);

        await b.StopAsync();

        var after = await serviceA.Ring.WaitUntilAsync(r => r.Members.Count == 1);
        Assert.Equal(["a"], after.Ids());
        Assert.All(keysOfB, k => Assert.True(serviceA.Owns(k), k));
        Assert.False(serviceB.IsMember);
        Assert.False(serviceB.Owns(keysOfB[0]));
        Assert.Contains($"Left group '{Group}' as 'b'", b.AllLogs(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MembershipBroken_JoinsAgain()
    {
        var url = TestBackends.NewUrl("memory", "membership-broken");
        await using var host = await StartMemberHostAsync(url, "a");
        var service = host.Services.GetRequiredService<GroupMembershipService>();
        await service.Ring.WaitUntilAsync(r => r.Contains("a"));
        await using var observer = await Coordinator.ConnectAsync(url);
        using var watching = new CancellationTokenSource(TestHost.Patience);
        await using var changes = observer.CreateGroup(Group).WatchAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        Assert.True(await changes.MoveNextAsync());
        var first = changes.Current;
        Assert.Equal((GroupChangeKind.Joined, "a"), (first.Kind, first.Member.Id));

        Assert.Single(await observer.BreakLockAsync(Group, LockKind.Group));

        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((GroupChangeKind.Left, first.Member.Token), (changes.Current.Kind, changes.Current.Member.Token));
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal((GroupChangeKind.Joined, "a"), (changes.Current.Kind, changes.Current.Member.Id));
        Assert.True(changes.Current.Member.Token > first.Member.Token);
        Assert.Contains($"Lost membership of group '{Group}' as 'a' (token {first.Member.Token}): Broken", host.AllLogs(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoMemberId_TakesTheConnectionsMemberId()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(TestBackends.NewUrl("memory", "membership-default-id"), options => options.MemberId = "pod-3")
            .AddGroupMembership(Group);
        await using var host = await builder.StartAsync();
        var service = host.Services.GetRequiredService<GroupMembershipService>();

        var membership = await service.WaitForMembershipAsync().WaitAsync(TestHost.Patience);

        Assert.Equal("pod-3", membership.MemberId);
        Assert.Equal("pod-3", service.MemberId);
        await service.Ring.WaitUntilAsync(r => r.Contains("pod-3"));
        Assert.Same(service, host.Services.GetRequiredKeyedService<GroupMembershipService>(Group));
    }

    [Fact]
    public async Task BadCapabilities_StartFailsNamingTheOption()
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton("memory://").AddGroupMembership(Group, options => options.Capabilities = "{weight: 2}");

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => builder.StartAsync());

        Assert.Contains($"GroupMembershipOptions['{Group}'].Capabilities: must be one JSON value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddGroupMembership_SameGroupTwice_Refused()
    {
        var services = new ServiceCollection();
        services.AddBaton("memory://").AddGroupMembership(Group);

        var error = Assert.Throws<InvalidOperationException>(() => services.AddKeyedBaton("other", "memory://").AddGroupMembership(Group));

        Assert.Contains($"'{Group}' is already registered", error.Message, StringComparison.Ordinal);
    }

    private static Task<RunningHost> StartMemberHostAsync(string url, string memberId, string? capabilities = null)
    {
        var builder = TestHost.CreateBuilder();
        builder.Services.AddBaton(url, options => options.WatchPollInterval = TimeSpan.FromMilliseconds(50))
            .AddGroupMembership(Group, options =>
            {
                options.MemberId = memberId;
                options.Capabilities = capabilities;
                options.RetryDelay = TimeSpan.FromMilliseconds(20);
            });
        return builder.StartAsync();
    }
}
