using System.Reflection;
using Xunit;

namespace Baton.Hosting.Tests.Conventions;

/// <summary>STYLE.md's API rules for the hosting package (the shared ones in the base), enforced by reflection so new types keep them.</summary>
public sealed class ApiConventionTests : Baton.Conformance.Conventions.ApiConventionTests
{
    protected override Assembly Assembly => typeof(BatonOptions).Assembly;

    [Fact]
    public void ServicesTheContainerMakes_HaveNoPublicConstructors()
    {
        Assert.Empty(typeof(BatonConnection).GetConstructors());
        Assert.Empty(typeof(GroupMembershipService).GetConstructors());
    }

    [Fact]
    public void Extensions_LiveInTheDependencyInjectionNamespace_EverythingElseInBatonHosting()
    {
        Assert.All(PublicTypes, t => Assert.Equal(
            t.Name.EndsWith("Extensions", StringComparison.Ordinal) ? "Microsoft.Extensions.DependencyInjection" : "Baton.Hosting",
            t.Namespace));
    }
}
