using System.Reflection;
using Xunit;

namespace Baton.Hosting.Tests.Conventions;

/// <summary>STYLE.md's API rules for the hosting package, enforced by reflection so new types keep them.</summary>
public sealed class ApiConventionTests
{
    private static readonly Type[] PublicTypes = typeof(BatonOptions).Assembly.GetExportedTypes();

    [Fact]
    public void PublicClasses_AreSealedStaticOrAbstractWithoutPublicConstructors()
    {
        var offenders = PublicTypes
            .Where(t => t.IsClass && !t.IsSealed && !(t.IsAbstract && t.IsSealed))
            .Where(t => !t.IsAbstract || t.GetConstructors().Length > 0)
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void ServicesTheContainerMakes_HaveNoPublicConstructors()
    {
        Assert.Empty(typeof(BatonConnection).GetConstructors());
        Assert.Empty(typeof(GroupMembershipService).GetConstructors());
    }

    [Fact]
    public void AsyncMethods_TakeACancellationTokenLast()
    {
        var offenders = PublicTypes
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal) && m.Name != "DisposeAsync")
            .Where(m => m.GetParameters() is var p && (p.Length == 0 || p[^1].ParameterType != typeof(CancellationToken)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void Extensions_LiveInTheDependencyInjectionNamespace_EverythingElseInBatonHosting()
    {
        Assert.All(PublicTypes, t => Assert.Equal(
            t.Name.EndsWith("Extensions", StringComparison.Ordinal) ? "Microsoft.Extensions.DependencyInjection" : "Baton.Hosting",
            t.Namespace));
    }
}
