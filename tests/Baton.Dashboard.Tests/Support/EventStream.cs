using System.Threading.Channels;

namespace Baton.Dashboard.Tests.Support;

/// <summary>One server-sent event.</summary>
internal sealed record ServerEvent(string Event, string Data);

/// <summary>Reads <c>api/events</c> as a browser would: events as they arrive, comments counted apart.</summary>
internal sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ServerEvent> _events = Channel.CreateUnbounded<ServerEvent>();
    private readonly Task _reading;
    private int _comments;

    private EventStream(HttpResponseMessage response)
    {
        _response = response;
        _reading = ReadAsync();
    }

    /// <summary>The response's headers.</summary>
    public HttpResponseMessage Response => _response;

    /// <summary>How many comment lines (keep-alives) arrived.</summary>
    public int Comments => Volatile.Read(ref _comments);

    public static async Task<EventStream> OpenAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        return new EventStream(response);
    }

    /// <summary>The next event; fails after <paramref name="timeout"/>.</summary>
    public async Task<ServerEvent> NextAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event within {timeout}.");
        }
    }

    /// <summary>The next event if one arrives within <paramref name="timeout"/>, else null.</summary>
    public async Task<ServerEvent?> TryNextAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException)
        {
        }

        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    await _events.Writer.WriteAsync(new ServerEvent(name ?? "message", string.Join('\n', data)));
                }

                name = null;
                data.Clear();
            }
            else if (line.StartsWith(':'))
            {
                Interlocked.Increment(ref _comments);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line["data: ".Length..]);
            }
        }

        _events.Writer.TryComplete();
    }
}
