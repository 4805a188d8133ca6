using System.Reflection;
using Xunit;

namespace Baton.Conformance.Conventions;

/// <summary>
/// STYLE.md's API rules that every shipped assembly keeps, enforced by reflection so new types keep them. A test
/// project derives it once per assembly and adds that assembly's own rules.
/// </summary>
public abstract class ApiConventionTests
{
    /// <summary>The assembly whose public types are checked.</summary>
    protected abstract Assembly Assembly { get; }

    /// <summary>Its exported types.</summary>
    protected Type[] PublicTypes => Assembly.GetExportedTypes();

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
    public void AsyncMethods_TakeACancellationTokenLast()
    {
        var offenders = PublicTypes
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal))
            // Ending a hold never fails and never waits for the caller's sake (rule 5): nothing to cancel.
            .Where(m => m.Name is not ("DisposeAsync" or "ReleaseAsync" or "WithdrawAsync" or "ResignAsync" or "LeaveAsync"))
            .Where(m => m.GetParameters() is var p && (p.Length == 0 || p[^1].ParameterType != typeof(CancellationToken)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .ToList();

        Assert.Empty(offenders);
    }
}
