using System.Reflection;
using Xunit;

namespace Baton.Dashboard.Tests.Conventions;

/// <summary>STYLE.md's API rules for the dashboard package (the shared ones in the base), enforced by reflection so new types keep them.</summary>
public sealed class ApiConventionTests : Baton.Conformance.Conventions.ApiConventionTests
{
    protected override Assembly Assembly => typeof(DashboardServer).Assembly;

    [Fact]
    public void TheServer_IsStartedNeverConstructed()
    {
        Assert.Empty(typeof(DashboardServer).GetConstructors());
    }

    [Fact]
    public void EveryPublicType_LivesInBatonDashboard()
    {
        Assert.All(PublicTypes, t => Assert.Equal("Baton.Dashboard", t.Namespace));
    }
}
