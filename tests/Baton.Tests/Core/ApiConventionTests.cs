using System.Reflection;
using Xunit;

namespace Baton.Tests.Core;

/// <summary>STYLE.md's API rules for the core (the shared ones in the base), enforced by reflection so new types keep them.</summary>
public sealed class ApiConventionTests : Baton.Conformance.Conventions.ApiConventionTests
{
    protected override Assembly Assembly => typeof(Coordinator).Assembly;

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
