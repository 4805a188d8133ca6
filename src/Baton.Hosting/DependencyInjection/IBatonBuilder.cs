using Microsoft.Extensions.DependencyInjection;

namespace Baton.Hosting;

/// <summary>
/// Returned by <c>AddBaton</c> and <c>AddKeyedBaton</c> to add what runs on that connection:
/// <c>.AddLeaderService&lt;T&gt;(election)</c>, <c>.AddGroupMembership(group)</c>, <c>.AddHealthCheck()</c>.
/// </summary>
public interface IBatonBuilder
{
    /// <summary>The connection's name: empty for <c>AddBaton</c>, the service key for <c>AddKeyedBaton</c>.</summary>
    string Name { get; }

    /// <summary>The services being configured.</summary>
    IServiceCollection Services { get; }
}
