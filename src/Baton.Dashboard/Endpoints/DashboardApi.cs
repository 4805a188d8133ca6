using System.Text;
using Baton.Dashboard.Feed;
using Baton.Introspection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Baton.Dashboard.Endpoints;

/// <summary>The dashboard's request handlers over one coordinator: the page, its files, the JSON API and the event stream.</summary>
internal sealed class DashboardApi
{
    private const string Prefix = "prefix";
    private static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    private readonly Coordinator _coordinator;
    private readonly LockFeed _feed;
    private readonly TimeSpan _refresh;
    private readonly TimeSpan _holdThreshold;
    private readonly TimeSpan _waitThreshold;
    private readonly TimeSpan _keepAlive;
    private readonly bool _readOnly;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;

    /// <param name="coordinator">Whose locks are shown.</param>
    /// <param name="options">Validated options; read now, so later changes do not apply.</param>
    /// <param name="logger">For failed reads.</param>
    /// <param name="stopping">Fires when the application stops: event streams end then rather than hold up the shutdown.</param>
    public DashboardApi(Coordinator coordinator, DashboardOptions options, ILogger logger, CancellationToken stopping)
    {
        _coordinator = coordinator;
        _refresh = options.RefreshInterval;
        _holdThreshold = options.HoldThreshold;
        _waitThreshold = options.WaitThreshold;
        _keepAlive = options.KeepAliveInterval;
        _readOnly = options.ReadOnly;
        _time = options.TimeProvider;
        _stopping = stopping;
        _feed = new LockFeed(coordinator, options.RefreshInterval, options.TimeProvider, logger);
    }

    /// <summary><c>GET /</c>: the page. Under a path base, <c>/base</c> is redirected to <c>/base/</c> so the page's relative links resolve.</summary>
    public static Task PageAsync(HttpContext context)
    {
        if (QueryCheck.Problem(context.Request.Query, Prefix, "hold", "wait") is { } problem)
        {
            return JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, problem);
        }

        var path = context.Request.PathBase + context.Request.Path;
        if (!path.HasValue || !path.Value!.EndsWith('/'))
        {
            ResponseHeaders.Apply(context.Response);
            context.Response.Redirect(path + "/" + context.Request.QueryString);
            return Task.CompletedTask;
        }

        return Assets.ServeAsync(context, "index.html");
    }

    /// <summary><c>GET /api/config</c>: what the page needs to know: refresh interval, thresholds, whether breaking is allowed.</summary>
    public Task ConfigAsync(HttpContext context) =>
        QueryCheck.Problem(context.Request.Query) is { } problem
            ? JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, problem)
            : JsonAnswers.WriteAsync(context, StatusCodes.Status200OK, writer =>
            {
                writer.WriteNumber("schemaVersion", LocksDocument.CurrentSchemaVersion);
                writer.WriteString("backend", _coordinator.BackendUrl);
                writer.WriteNumber("refreshSeconds", _refresh.TotalSeconds);
                writer.WriteNumber("holdThresholdSeconds", _holdThreshold.TotalSeconds);
                writer.WriteNumber("waitThresholdSeconds", _waitThreshold.TotalSeconds);
                writer.WriteBoolean("readOnly", _readOnly);
                writer.WriteString("breakHeader", DashboardOptions.BreakHeader);
            });

    /// <summary><c>GET /api/locks[?prefix=]</c>: the listing now, in the schema of <c>baton locks --json</c>.</summary>
    public async Task LocksAsync(HttpContext context)
    {
        if (QueryCheck.Problem(context.Request.Query, Prefix) is { } problem)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, problem).ConfigureAwait(false);
            return;
        }

        LocksDocument document;
        try
        {
            var locks = await _coordinator.ListLocksAsync(context.RequestAborted).ConfigureAwait(false);
            document = LocksDocument.FromListing(_coordinator.BackendUrl, locks, _time.GetUtcNow());
        }
        catch (BackendUnavailableException e)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"backend unavailable: {e.Message}").ConfigureAwait(false);
            return;
        }

        var filtered = Filter(document, QueryCheck.Value(context.Request.Query, Prefix));
        await JsonAnswers.TextAsync(context, filtered.ToJson()).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/events[?prefix=]</c>: server-sent events. <c>event: locks</c> carries the listing (one line of
    /// JSON, the schema of <c>/api/locks</c>) at once and whenever what is held or awaited changes;
    /// <c>event: backend-error</c> carries <c>{"error": …}</c> while the backend cannot be read; a comment keeps an
    /// idle stream open. The browser reconnects by itself after a second (<c>retry</c>).
    /// </summary>
    public async Task EventsAsync(HttpContext context)
    {
        if (QueryCheck.Problem(context.Request.Query, Prefix) is { } problem)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, problem).ConfigureAwait(false);
            return;
        }

        var prefix = QueryCheck.Value(context.Request.Query, Prefix);
        var response = context.Response;
        ResponseHeaders.Apply(response);
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers["X-Accel-Buffering"] = "no";
        using var end = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var cancel = end.Token;
        using var listening = _feed.Listen();
        try
        {
            await WriteAsync(response, "retry: 1000\n\n", cancel).ConfigureAwait(false);
            long seen = 0;
            string? sent = null;
            Task<FeedSnapshot>? next = null;
            while (true)
            {
                FeedSnapshot snapshot;
                try
                {
                    // The same wait goes on across keep-alives.
                    next ??= _feed.NextAsync(seen, cancel);
                    snapshot = await next.WaitAsync(_keepAlive, _time, cancel).ConfigureAwait(false);
                    next = null;
                }
                catch (TimeoutException)
                {
                    await response.Body.WriteAsync(KeepAlive, cancel).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancel).ConfigureAwait(false);
                    continue;
                }

                seen = snapshot.Version;
                string message, fingerprint;
                if (snapshot.Document is { } document)
                {
                    var filtered = Filter(document, prefix);
                    fingerprint = LockFeed.Fingerprint(filtered);
                    message = $"event: locks\ndata: {filtered.ToJson(indented: false)}\n\n";
                }
                else
                {
                    fingerprint = "error:" + snapshot.Error;
                    message = $"event: backend-error\ndata: {ErrorJson(snapshot.Error ?? "unknown")}\n\n";
                }

                // A change outside this page's prefix changes nothing here.
                if (fingerprint != sent)
                {
                    sent = fingerprint;
                    await WriteAsync(response, message, cancel).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The page went away, or the application stops.
        }
    }

    /// <summary>
    /// <c>POST /api/locks/break?name=…[&amp;kind=lock|semaphore|group]</c>: breaks the name (see
    /// <see cref="Coordinator.BreakLockAsync"/>) when the dashboard is not read-only and the request carries
    /// <see cref="DashboardOptions.BreakHeader"/>; 403 otherwise.
    /// </summary>
    public async Task BreakAsync(HttpContext context)
    {
        if (_readOnly)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status403Forbidden, "this dashboard is read-only; start it with --allow-break (DashboardOptions.ReadOnly = false) to break locks.").ConfigureAwait(false);
            return;
        }

        if (!context.Request.Headers.ContainsKey(DashboardOptions.BreakHeader))
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status403Forbidden, $"a break request must carry the {DashboardOptions.BreakHeader} header.").ConfigureAwait(false);
            return;
        }

        var query = context.Request.Query;
        if (QueryCheck.Problem(query, "name", "kind") is { } problem)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, problem).ConfigureAwait(false);
            return;
        }

        var name = QueryCheck.Value(query, "name");
        LockKind? kind = QueryCheck.Value(query, "kind") switch
        {
            "" or "lock" => LockKind.Lock,
            "semaphore" => LockKind.Semaphore,
            "group" => LockKind.Group,
            _ => null,
        };
        if (name.Length == 0 || kind is null)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, "give name=NAME and optionally kind=lock|semaphore|group.").ConfigureAwait(false);
            return;
        }

        try
        {
            var broken = await _coordinator.BreakLockAsync(name, kind.Value, context.RequestAborted).ConfigureAwait(false);
            await JsonAnswers.WriteAsync(context, StatusCodes.Status200OK, writer =>
            {
                writer.WriteString("name", name);
                writer.WriteNumber("broken", broken.Count);
            }).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message).ConfigureAwait(false);
        }
        catch (NotSupportedException e)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status409Conflict, e.Message).ConfigureAwait(false);
        }
        catch (BackendUnavailableException e)
        {
            await JsonAnswers.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"backend unavailable: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>The names that start with <paramref name="prefix"/> (ordinal); all for the empty prefix.</summary>
    internal static LocksDocument Filter(LocksDocument document, string prefix) =>
        prefix.Length == 0 ? document : document with { Locks = [.. document.Locks.Where(l => l.Name.StartsWith(prefix, StringComparison.Ordinal))] };

    private static string ErrorJson(string message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
