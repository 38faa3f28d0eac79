package dev.idempotency.sample;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.web.reactive.config.BlockingExecutionConfigurer;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * With the {@code webflux} profile: the same controllers on WebFlux, their blocking work (the
 * order service's delays, the JDBC repository) on the application's task executor rather than an
 * event loop; and the {@code secure} profile's users and rules as a WebFlux security chain.
 */
@Configuration(proxyBeanMethods = false)
@Profile("webflux")
class ReactiveConfiguration {

    @Bean
    WebFluxConfigurer blockingControllersOffTheEventLoop(AsyncTaskExecutor applicationTaskExecutor) {
        return new WebFluxConfigurer() {
            @Override
            public void configureBlockingExecution(BlockingExecutionConfigurer configurer) {
                configurer.setExecutor(applicationTaskExecutor);
            }
        };
    }

    @Bean
    @Profile("secure")
    SecurityWebFilterChain basicAuthForTheApi(ServerHttpSecurity http) {
        return http.authorizeExchange(exchanges -> exchanges
                        .pathMatchers("/orders/**", "/payments/**").authenticated()
                        .anyExchange().permitAll())
                .httpBasic(basic -> {
                })
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .build();
    }

    @Bean
    @Profile("!secure")
    SecurityWebFilterChain noLogin(ServerHttpSecurity http) {
        return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .build();
    }

    @Bean
    MapReactiveUserDetailsService sampleUsers() {
        return new MapReactiveUserDetailsService(
                User.withUsername("alice").password("{noop}alice-pass").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-pass").roles("USER").build());
    }
}
