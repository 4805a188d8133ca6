using Baton.Files.Native;
using Baton.Files.Presence;
using Microsoft.Win32.SafeHandles;

namespace Baton.Files.Records;

/// <summary>
/// A record kept inside the lock file it describes (the default layout), written through the hold's own
/// open file, so it lives and dies with the hold's locks: when the holder's process dies the kernel drops
/// its main lock and its liveness byte in the same instant, and no second file or rename is involved.
/// </summary>
internal sealed class InFileRecord : HoldRecord
{
    private readonly SafeFileHandle _fd;
    private readonly byte[] _name;
    private readonly byte[] _member;
    private readonly Lock _gate = new();
    private RecordData _data;

    private InFileRecord(SafeFileHandle fd, int slot, byte[] name, byte[] member, RecordData data)
    {
        _fd = fd;
        Slot = slot;
        _name = name;
        _member = member;
        _data = data;
    }

    /// <summary>The slot, or <see cref="RecordLayout.Region"/>.</summary>
    public int Slot { get; }

    public override RecordData Data => _data;

    /// <summary>The record of an exclusive holder that got the lock at once: the holder region, one <c>pwrite</c>, no lock of its own.</summary>
    public static InFileRecord InRegion(SafeFileHandle fd, byte[] name, byte[] member, RecordData data)
    {
        Write(fd, RecordLayout.Offset(RecordLayout.Region), data, name, member);
        return new InFileRecord(fd, RecordLayout.Region, name, member, data);
    }

    /// <summary>
    /// Takes a free slot (its liveness byte, without waiting) and writes the record there. A free slot that
    /// still holds a dead holder's record is left for the takeover notice of the name's next holder.
    /// </summary>
    /// <param name="fd">The hold's or wait's open lock file.</param>
    /// <param name="name">The name, UTF-8.</param>
    /// <param name="member">The encoded member.</param>
    /// <param name="data">The record.</param>
    /// <param name="ownSlot">A slot this open file already has (an upgrading reader's): its own lock never conflicts with itself, so it must be skipped by number.</param>
    public static InFileRecord InSlot(SafeFileHandle fd, byte[] name, byte[] member, RecordData data, int? ownSlot = null)
    {
        Span<byte> header = stackalloc byte[RecordCodec.HeaderSize];
        for (var slot = 0; slot < RecordLayout.MaxSlots; slot++)
        {
            if (slot == ownSlot || !FileLocks.TryLock(fd, RecordLayout.Liveness(slot), 1, Libc.F_WRLCK))
            {
                continue; // Alive: someone's record.
            }

            var read = InFileImage.ReadAt(fd, header, RecordLayout.Offset(slot));
            if (RecordCodec.PeekState(header[..read]) is RecordState.Holding or RecordState.Abandoned)
            {
                FileLocks.Unlock(fd, RecordLayout.Liveness(slot), 1);
                continue;
            }

            Write(fd, RecordLayout.Offset(slot), data, name, member);
            return new InFileRecord(fd, slot, name, member, data);
        }

        throw new InvalidOperationException(
            $"'{data.Name}' has {RecordLayout.MaxSlots:N0} waiters and holders at once, the most one lock file can list. Use fewer concurrent users of one name.");
    }

    public override void Update(RecordData data)
    {
        lock (_gate)
        {
            if (_fd.IsClosed)
            {
                return;
            }

            _data = data;
            Write(_fd, RecordLayout.Offset(Slot), data, _name, _member);
        }
    }

    /// <summary>
    /// The holder region's liveness is the exclusive main lock, which a downgrade gives up: the record moves
    /// to a slot (written before the region is cleared, so the hold is never unlisted).
    /// </summary>
    public override HoldRecord Downgrade(RecordData data)
    {
        if (Slot != RecordLayout.Region)
        {
            return base.Downgrade(data);
        }

        lock (_gate)
        {
            var moved = InSlot(_fd, _name, _member, data);
            Clear(_fd, Slot);
            return moved;
        }
    }

    public override void Remove()
    {
        lock (_gate)
        {
            if (!_fd.IsClosed)
            {
                Clear(_fd, Slot);
            }
        }
    }

    /// <summary>Removes the record and frees its slot for reuse while the file stays open (an upgrade's waiting record).</summary>
    public override void Discard()
    {
        lock (_gate)
        {
            if (_fd.IsClosed)
            {
                return;
            }

            Clear(_fd, Slot);
            if (Slot != RecordLayout.Region)
            {
                FileLocks.Unlock(_fd, RecordLayout.Liveness(Slot), 1);
            }
        }
    }

    public override void Abandon(long endedTicks) => Update(_data with { State = RecordState.Abandoned, EndedTicks = endedTicks });

    /// <summary>Clears a place: only its state byte is written (0, empty), which every reader checks first.</summary>
    public static unsafe void Clear(SafeFileHandle fd, int slot)
    {
        byte empty = RecordCodec.Empty;
        if (Libc.Pwrite(fd, &empty, 1, RecordLayout.Offset(slot) + RecordCodec.StateOffset) != 1)
        {
            throw Libc.Error("pwrite(clearing a lock record)");
        }
    }

    private static unsafe void Write(SafeFileHandle fd, long offset, RecordData data, byte[] name, byte[] member)
    {
        var size = RecordCodec.Size(name, member);
        Span<byte> buffer = size <= 1024 ? stackalloc byte[1024] : new byte[size];
        var length = RecordCodec.Encode(buffer, data, name, member);
        fixed (byte* bytes = buffer)
        {
            if (Libc.Pwrite(fd, bytes, (nuint)length, offset) != length)
            {
                throw Libc.Error("pwrite(lock record)");
            }
        }
    }
}
