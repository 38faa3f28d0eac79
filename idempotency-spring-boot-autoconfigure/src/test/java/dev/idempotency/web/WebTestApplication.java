package dev.idempotency.web;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.annotation.InProgress;
import dev.idempotency.engine.Takeover;

/** A web application exercising every way a handler can be protected. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(WebTestApplication.TestController.class)
class WebTestApplication {

    /** Counts handler executions per route, so tests can prove "exactly once". */
    static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

    /** Holds /slow handlers until a test opens it. */
    static volatile CountDownLatch slowGate = new CountDownLatch(0);

    /** Holds streams (/events, /download, /big-stream) after their first part until a test opens it. */
    static volatile CountDownLatch streamGate = new CountDownLatch(0);

    /** Holds the work of /late-* handlers, which outlive the async request timeout, until a test opens it. */
    static volatile CountDownLatch lateGate = new CountDownLatch(0);

    /** Runs the work of async handlers that wait, so that they never hold the common pool's one thread. */
    private static final ExecutorService ASYNC_WORK = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "test-async-work");
        thread.setDaemon(true);
        return thread;
    });

    static int executions(String route) {
        return EXECUTIONS.computeIfAbsent(route, r -> new AtomicInteger()).get();
    }

    private static int count(String route) {
        return EXECUTIONS.computeIfAbsent(route, r -> new AtomicInteger()).incrementAndGet();
    }

    /** Waits for {@code gate} as work that ignores interruption does (Spring interrupts a timed-out Callable). */
    private static void awaitIgnoringInterrupts(CountDownLatch gate) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (gate.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                gate.await(100, TimeUnit.MILLISECONDS);
            }
            catch (InterruptedException ex) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stands in for Spring Security: the X-User header becomes the authenticated principal. */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> testAuthentication() {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                String user = request.getHeader("X-User");
                if (user == null) {
                    chain.doFilter(request, response);
                    return;
                }
                Principal principal = () -> user;
                chain.doFilter(new HttpServletRequestWrapper(request) {
                    @Override
                    public Principal getUserPrincipal() {
                        return principal;
                    }
                }, response);
            }
        });
        registration.setOrder(-200);
        return registration;
    }

    record OrderRequest(@NotBlank String item, @Positive int quantity) {
    }

    /** A value Jackson cannot write: its one property throws. */
    static final class Unwritable {

        public String getValue() {
            throw new IllegalStateException("this value cannot be written");
        }
    }

    @RestController
    static class TestController {

        @Idempotent
        @PostMapping("/orders")
        ResponseEntity<Map<String, Object>> createOrder(@Valid @RequestBody OrderRequest order) {
            int id = count("/orders");
            if ("fail".equals(order.item())) {
                throw new IllegalStateException("the order failed");
            }
            return ResponseEntity.created(URI.create("/orders/" + id))
                    .header(HttpHeaders.SET_COOKIE, "session=" + id)
                    .header("X-Not-Allowlisted", "secret")
                    .header(HttpHeaders.LINK, "</orders>; rel=\"collection\"", "</items/" + order.item() + ">; rel=\"item\"")
                    .body(Map.of("id", id, "item", order.item(), "quantity", order.quantity()));
        }

        @Idempotent
        @PostMapping("/slow")
        String slow(@RequestBody String body) throws InterruptedException {
            count("/slow");
            slowGate.await(30, TimeUnit.SECONDS);
            return "slow done";
        }

        @Idempotent(takeover = Takeover.NEVER)
        @PostMapping("/slow-never")
        String slowNever(@RequestBody String body) throws InterruptedException {
            count("/slow-never");
            slowGate.await(30, TimeUnit.SECONDS);
            return "slow done";
        }

        @Idempotent
        @PostMapping("/status/{code}")
        ResponseEntity<String> status(@PathVariable int code) {
            int n = count("/status/" + code);
            return ResponseEntity.status(code).body("answer " + n);
        }

        @Idempotent
        @ResponseStatus(HttpStatus.CREATED)
        @PostMapping("/created")
        Map<String, Integer> created() {
            return Map.of("n", count("/created"));
        }

        @Idempotent(required = false)
        @PostMapping("/optional")
        String optional() {
            return "optional " + count("/optional");
        }

        @PostMapping("/payments")
        String payment(@RequestBody String body) {
            return "payment " + count("/payments");
        }

        @Idempotent
        @PostMapping("/manual-async")
        void manualAsync(HttpServletRequest request) {
            count("/manual-async");
            AsyncContext async = request.startAsync();
            CompletableFuture.runAsync(async::complete);
        }

        @PostMapping("/echo-length")
        String echoLength(@RequestBody String body) {
            return Integer.toString(body.length());
        }

        @PostMapping("/plain")
        String plain() {
            return "plain " + count("/plain");
        }

        @Idempotent
        @PostMapping("/whoami")
        String whoami(Principal principal) {
            return (principal == null ? "anonymous" : principal.getName()) + " " + count("/whoami");
        }

        @PostMapping("/stream")
        SseEmitter stream() {
            count("/stream");
            SseEmitter emitter = new SseEmitter();
            emitter.complete();
            return emitter;
        }

        @Idempotent
        @PostMapping("/big")
        String big() {
            return "b".repeat(2048) + count("/big");
        }

        @Idempotent
        @PostMapping("/boom")
        String boom() {
            count("/boom");
            throw new IllegalStateException("boom");
        }

        @Idempotent(inProgress = InProgress.WAIT)
        @PostMapping("/slow-wait")
        String slowWait(@RequestBody String body) throws InterruptedException {
            count("/slow-wait");
            slowGate.await(30, TimeUnit.SECONDS);
            return "waited for";
        }

        @Idempotent
        @CrossOrigin(origins = "https://app.example", exposedHeaders = "X-Request-Id")
        @PostMapping("/cors")
        String cors() {
            return "cors " + count("/cors");
        }

        @Idempotent
        @PostMapping("/callable")
        Callable<String> callable() {
            return () -> "callable " + count("/callable");
        }

        @Idempotent
        @PostMapping("/deferred")
        DeferredResult<String> deferred() {
            DeferredResult<String> result = new DeferredResult<>();
            CompletableFuture.runAsync(() -> result.setResult("deferred " + count("/deferred")));
            return result;
        }

        @Idempotent
        @PostMapping("/web-async-task")
        WebAsyncTask<String> webAsyncTask() {
            return new WebAsyncTask<>(() -> "task " + count("/web-async-task"));
        }

        @Idempotent
        @PostMapping("/async")
        CompletableFuture<ResponseEntity<String>> async() {
            return CompletableFuture.supplyAsync(() -> ResponseEntity.status(HttpStatus.ACCEPTED)
                    .body("async " + count("/async")));
        }

        @PostMapping("/events")
        SseEmitter events() {
            count("/events");
            SseEmitter emitter = new SseEmitter(30_000L);
            ASYNC_WORK.execute(() -> {
                try {
                    emitter.send("first");
                    streamGate.await(30, TimeUnit.SECONDS);
                    emitter.send("last");
                    emitter.complete();
                }
                catch (IOException | InterruptedException | RuntimeException ex) {
                    emitter.completeWithError(ex);
                }
            });
            return emitter;
        }

        @PostMapping("/download")
        void download(HttpServletResponse response) throws IOException, InterruptedException {
            streamTwoParts("/download", response, 64 * 1024);
        }

        @Idempotent
        @PostMapping("/big-stream")
        void bigStream(HttpServletResponse response) throws IOException, InterruptedException {
            streamTwoParts("/big-stream", response, 4 * 1024);
        }

        private static void streamTwoParts(String route, HttpServletResponse response, int partSize)
                throws IOException, InterruptedException {
            count(route);
            response.setContentType("application/octet-stream");
            OutputStream out = response.getOutputStream();
            out.write(new byte[partSize]);
            out.flush();
            streamGate.await(30, TimeUnit.SECONDS);
            out.write(new byte[partSize]);
        }

        @PostMapping("/upload")
        String upload(@RequestParam("file") MultipartFile file) {
            return "upload " + file.getOriginalFilename() + " " + file.getSize() + " " + count("/upload");
        }

        @Idempotent
        @PostMapping("/upload-protected")
        String uploadProtected(@RequestParam("file") MultipartFile file, @RequestParam("note") String note) {
            return "upload " + file.getOriginalFilename() + " " + note + " " + count("/upload-protected");
        }

        @Idempotent
        @PostMapping("/read-twice")
        String readTwice(HttpServletRequest request) throws IOException {
            count("/read-twice");
            byte[] head = request.getInputStream().readNBytes(3);
            byte[] rest = request.getInputStream().readAllBytes();
            return new String(head) + "|" + new String(rest);
        }

        @Idempotent
        @PostMapping("/forwarding")
        ModelAndView forwarding() {
            // Not counted: one request runs one counted handler, the forward's target.
            return new ModelAndView("forward:/forward-target");
        }

        @Idempotent
        @PostMapping("/forward-target")
        ResponseEntity<String> forwardTarget(@RequestBody String body) {
            return ResponseEntity.status(HttpStatus.CREATED).body("target " + count("/forward-target") + " " + body);
        }

        @Idempotent
        @PostMapping("/missing")
        String missing() {
            count("/missing");
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no such thing");
        }

        @Idempotent
        @PostMapping("/see-other")
        ResponseEntity<Void> seeOther() {
            return ResponseEntity.status(HttpStatus.SEE_OTHER).location(URI.create("/orders/" + count("/see-other")))
                    .build();
        }

        @Idempotent
        @PostMapping("/redirect")
        ModelAndView redirect() {
            return new ModelAndView("redirect:/orders/" + count("/redirect"));
        }

        @Idempotent
        @PostMapping("/unwritable")
        Map<String, Object> unwritable() {
            count("/unwritable");
            return Map.of("value", new Unwritable());
        }

        @Idempotent
        @PostMapping("/form")
        String form(@RequestParam MultiValueMap<String, String> parameters) {
            return "form " + parameters + " " + count("/form");
        }

        @Idempotent
        @PostMapping("/late-future")
        CompletableFuture<String> lateFuture() {
            int n = count("/late-future");
            return CompletableFuture.supplyAsync(() -> {
                awaitIgnoringInterrupts(lateGate);
                return "late " + n;
            }, ASYNC_WORK);
        }

        @Idempotent
        @PostMapping("/late-failure")
        CompletableFuture<String> lateFailure() {
            count("/late-failure");
            return CompletableFuture.supplyAsync(() -> {
                awaitIgnoringInterrupts(lateGate);
                throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "the late work failed");
            }, ASYNC_WORK);
        }

        @Idempotent
        @PostMapping("/late-callable")
        Callable<String> lateCallable() {
            int n = count("/late-callable");
            return () -> {
                awaitIgnoringInterrupts(lateGate);
                return "late " + n;
            };
        }

        @Idempotent
        @PostMapping("/late-deferred")
        DeferredResult<String> lateDeferred() {
            int n = count("/late-deferred");
            DeferredResult<String> result = new DeferredResult<>();
            ASYNC_WORK.execute(() -> {
                awaitIgnoringInterrupts(lateGate);
                result.setResult("late " + n);
            });
            return result;
        }
    }
}
