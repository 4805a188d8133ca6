using Baton.Conformance;
using Baton.Conformance.CrossProcess;

namespace Baton.ZooKeeper.Tests.Backend;

/// <summary>The lock conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperLockTests : LockConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("locks");

    protected override string BackendUrl => Url;
}

/// <summary>The reader-writer lock conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperReaderWriterLockTests : ReaderWriterLockConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("rw");

    protected override string BackendUrl => Url;
}

/// <summary>The semaphore conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperSemaphoreTests : SemaphoreConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("semaphores");

    protected override string BackendUrl => Url;
}

/// <summary>The introspection conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperIntrospectionTests : IntrospectionConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("listing");

    protected override string BackendUrl => Url;
}

/// <summary>The name conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperNameTests : NameConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("names");

    protected override string BackendUrl => Url;
}

/// <summary>The takeover and break conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("takeover");

    protected override string BackendUrl => Url;
}

/// <summary>The election conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperElectionTests : ElectionConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("elections");

    protected override string BackendUrl => Url;
}

/// <summary>The group conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperGroupTests : GroupConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("groups");

    protected override string BackendUrl => Url;
}

/// <summary>The lock hierarchy conformance suite on ZooKeeper.</summary>
public sealed class ZooKeeperHierarchyTests : HierarchyConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("hierarchy");

    protected override string BackendUrl => Url;
}

/// <summary>The cross-process conformance suite on ZooKeeper, with real holder processes; a killed holder's session (4 s here) ends its holds.</summary>
public sealed class ZooKeeperCrossProcessTests : CrossProcessConformanceTests
{
    private static readonly string Url = ZooKeeperUrls.NewUrl("processes");

    protected override string BackendUrl => Url;

    protected override bool CrashReleaseIsImmediate => false;

    protected override TimeSpan CrashReleaseWithin => TimeSpan.FromSeconds(12);
}
