using Baton.Conformance;

namespace Baton.Redis.Tests.Conformance;

/// <summary>The ReaderWriterLockConformance suite on <c>redis://</c>, under a key prefix of its own.</summary>
public sealed class RedisReaderWriterLockTests : ReaderWriterLockConformanceTests
{
    private static readonly string Url = RedisTestServer.NewUrl("rw");

    protected override string BackendUrl => Url;
}
