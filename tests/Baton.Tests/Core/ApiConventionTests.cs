using System.Reflection;
using Xunit;

namespace Baton.Tests.Core;

/// <summary>STYLE.md's API rules, enforced by reflection so new types keep them.</summary>
public sealed class ApiConventionTests
{
    private static readonly Type[] PublicTypes = typeof(Coordinator).Assembly.GetExportedTypes();

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
    public void Handles_HaveNoPublicConstructors()
    {
        var handles = PublicTypes.Where(t => typeof(LockHandleBase).IsAssignableFrom(t)).ToList();

        Assert.Contains(typeof(LockHandle), handles);
        Assert.Contains(typeof(ReaderWriterLockHandle), handles);
        Assert.All(handles, t => Assert.Empty(t.GetConstructors()));
    }

    [Fact]
    public void Primitives_HaveNoPublicConstructors()
    {
        Assert.Empty(typeof(DistributedLock).GetConstructors());
        Assert.Empty(typeof(DistributedReaderWriterLock).GetConstructors());
        Assert.Empty(typeof(DistributedSemaphore).GetConstructors());
        Assert.Empty(typeof(Coordinator).GetConstructors());
        Assert.Empty(typeof(LeaderElection).GetConstructors());
        Assert.Empty(typeof(MemberGroup).GetConstructors());
        Assert.Empty(typeof(Leadership).GetConstructors());
        Assert.Empty(typeof(GroupMembership).GetConstructors());
    }

    [Fact]
    public void NoPublicTypeIsCalledLock()
    {
        Assert.DoesNotContain(PublicTypes, t => t.Name == "Lock");
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

    [Fact]
    public void TryAcquireMethods_DefaultToZeroTimeout_AcquireMethodsToInfinite()
    {
        foreach (var type in new[] { typeof(DistributedLock), typeof(DistributedReaderWriterLock), typeof(DistributedSemaphore) })
        {
            foreach (var method in type.GetMethods().Where(m => m.Name.Contains("Acquire", StringComparison.Ordinal)))
            {
                var timeout = method.GetParameters()[0];
                Assert.True(timeout.HasDefaultValue, $"{type.Name}.{method.Name} has no default timeout");
                if (method.Name.StartsWith("Try", StringComparison.Ordinal))
                {
                    Assert.Equal(typeof(TimeSpan), timeout.ParameterType);
                }
                else
                {
                    Assert.Equal(typeof(TimeSpan?), timeout.ParameterType);
                    Assert.Null(timeout.DefaultValue);
                }
            }
        }
    }
}
