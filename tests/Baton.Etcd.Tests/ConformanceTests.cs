using Baton.Conformance;
using Baton.Conformance.CrossProcess;

namespace Baton.Etcd.Tests;

/// <summary>The lock conformance suite on etcd.</summary>
public sealed class EtcdLockTests : LockConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("locks");

    protected override string BackendUrl => Url;
}

/// <summary>The reader-writer lock conformance suite on etcd.</summary>
public sealed class EtcdReaderWriterLockTests : ReaderWriterLockConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("rw");

    protected override string BackendUrl => Url;
}

/// <summary>The semaphore conformance suite on etcd.</summary>
public sealed class EtcdSemaphoreTests : SemaphoreConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("semaphores");

    protected override string BackendUrl => Url;
}

/// <summary>The introspection conformance suite on etcd.</summary>
public sealed class EtcdIntrospectionTests : IntrospectionConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("listing");

    protected override string BackendUrl => Url;
}

/// <summary>The name conformance suite on etcd.</summary>
public sealed class EtcdNameTests : NameConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("names");

    protected override string BackendUrl => Url;
}

/// <summary>The takeover and break conformance suite on etcd.</summary>
public sealed class EtcdTakeoverAndBreakTests : TakeoverAndBreakConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("takeover");

    protected override string BackendUrl => Url;
}

/// <summary>The election conformance suite on etcd.</summary>
public sealed class EtcdElectionTests : ElectionConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("elections");

    protected override string BackendUrl => Url;
}

/// <summary>The group conformance suite on etcd.</summary>
public sealed class EtcdGroupTests : GroupConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("groups");

    protected override string BackendUrl => Url;
}

/// <summary>The lock hierarchy conformance suite on etcd.</summary>
public sealed class EtcdHierarchyTests : HierarchyConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("hierarchy");

    protected override string BackendUrl => Url;
}

/// <summary>The cross-process conformance suite on etcd, with real holder processes; a killed holder's lease (5 s here) ends its holds.</summary>
public sealed class EtcdCrossProcessTests : CrossProcessConformanceTests
{
    private static readonly string Url = EtcdTestServer.NewUrl("processes");

    protected override string BackendUrl => Url;

    protected override bool CrashReleaseIsImmediate => false;

    protected override TimeSpan CrashReleaseWithin => TimeSpan.FromSeconds(12);
}
