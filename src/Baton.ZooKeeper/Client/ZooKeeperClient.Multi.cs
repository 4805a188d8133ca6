using Baton.ZooKeeper.Client.Connection;
using Baton.ZooKeeper.Client.Jute;
using Baton.ZooKeeper.Client.Protocol;

namespace Baton.ZooKeeper.Client;

/// <summary>Atomic multi-operation transactions.</summary>
public sealed partial class ZooKeeperClient
{
    /// <summary>Applies every op atomically, or none.</summary>
    /// <param name="ops">The operations, applied in order.</param>
    /// <param name="cancellationToken">Stops waiting for the reply (the multi may still be applied).</param>
    /// <returns>One result per op.</returns>
    /// <exception cref="ZooKeeperMultiException">An op failed: nothing was applied; <see cref="ZooKeeperException.Code"/> and
    /// <see cref="ZooKeeperException.Path"/> are the first failing op's, <see cref="ZooKeeperMultiException.Results"/> each op's.</exception>
    public Task<IReadOnlyList<OpResult>> MultiAsync(IReadOnlyList<ZooKeeperOp> ops, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ops);
        if (ops.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<OpResult>>([]);
        }

        var prepared = new List<(int Type, ZooKeeperOp Op, string ServerPath, IReadOnlyList<ZooKeeperAcl>? Acl)>(ops.Count);
        foreach (var op in ops)
        {
            ArgumentNullException.ThrowIfNull(op, nameof(ops));
            switch (op)
            {
                case ZooKeeperOp.Create create:
                    PathRules.Validate(create.Path, IsSequential(create.Mode), nameof(ops));
                    prepared.Add((create.Mode == CreateMode.Container ? OpCodes.CreateContainer : OpCodes.Create2, op, PathRules.Prepend(_chroot, op.Path), CheckAcl(create.Acl, create.Mode)));
                    break;
                case ZooKeeperOp.Delete or ZooKeeperOp.SetData or ZooKeeperOp.Check:
                    PathRules.Validate(op.Path, parameterName: nameof(ops));
                    var type = op switch { ZooKeeperOp.Delete => OpCodes.Delete, ZooKeeperOp.SetData => OpCodes.SetData, _ => OpCodes.Check };
                    prepared.Add((type, op, PathRules.Prepend(_chroot, op.Path), null));
                    break;
                default:
                    throw new ArgumentException($"Unknown operation {op.GetType().Name}.", nameof(ops));
            }
        }

        var frame = Frame(OpCodes.Multi, prepared, static (writer, prepared) =>
        {
            foreach (var (type, op, serverPath, acl) in prepared)
            {
                RequestRecords.WriteMultiHeader(writer, type, done: false, error: -1);
                switch (op)
                {
                    case ZooKeeperOp.Create create:
                        RequestRecords.WriteCreate(writer, serverPath, create.Data.Span, acl!, create.Mode);
                        break;
                    case ZooKeeperOp.Delete delete:
                        RequestRecords.WritePathVersion(writer, serverPath, delete.Version);
                        break;
                    case ZooKeeperOp.SetData setData:
                        RequestRecords.WriteSetData(writer, serverPath, setData.Data.Span, setData.Version);
                        break;
                    case ZooKeeperOp.Check check:
                        RequestRecords.WritePathVersion(writer, serverPath, check.Version);
                        break;
                }
            }

            RequestRecords.WriteMultiHeader(writer, -1, done: true, error: -1);
        });

        return SendAsync(new PendingRequest<IReadOnlyList<OpResult>>(frame, null, (ZooKeeperErrorCode error, ref JuteReader reader) =>
        {
            ThrowIfFailed(error, null);
            var results = ReadMultiResults(ref reader);
            if (results.Count != ops.Count)
            {
                throw new ZooKeeperProtocolException($"a multi of {ops.Count} ops got {results.Count} results");
            }

            var failed = results.FindIndex(result => result.Error != ZooKeeperErrorCode.Ok);
            return failed < 0 ? results : throw new ZooKeeperMultiException(results[failed].Error, ops[failed].Path, results);
        }), cancellationToken);
    }

    private List<OpResult> ReadMultiResults(ref JuteReader reader)
    {
        var results = new List<OpResult>();
        while (true)
        {
            var type = reader.ReadInt();
            var done = reader.ReadBool();
            reader.ReadInt(); // the header's error repeats the body's
            if (done)
            {
                return results;
            }

            results.Add(type switch
            {
                OpCodes.Create => new OpResult(ZooKeeperErrorCode.Ok, PathRules.Strip(_chroot, reader.ReadRequiredString("created path")), null),
                OpCodes.Create2 or OpCodes.CreateContainer => new OpResult(ZooKeeperErrorCode.Ok, PathRules.Strip(_chroot, reader.ReadRequiredString("created path")), reader.ReadStat()),
                OpCodes.Delete or OpCodes.Check => new OpResult(ZooKeeperErrorCode.Ok, null, null),
                OpCodes.SetData => new OpResult(ZooKeeperErrorCode.Ok, null, reader.ReadStat()),
                OpCodes.Error => new OpResult((ZooKeeperErrorCode)reader.ReadInt(), null, null),
                _ => throw new ZooKeeperProtocolException($"unknown multi result type {type}"),
            });
        }
    }
}
