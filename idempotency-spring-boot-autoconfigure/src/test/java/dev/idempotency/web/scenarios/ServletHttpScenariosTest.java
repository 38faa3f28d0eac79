package dev.idempotency.web.scenarios;

import org.springframework.boot.test.context.SpringBootTest;

/** The HTTP scenarios on Spring MVC, served by Tomcat. */
@SpringBootTest(classes = { ScenarioApplication.class, ServletRoutes.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { HttpScenarios.PATHS, HttpScenarios.PATHS_KEY_OPTIONAL, HttpScenarios.MAX_REQUEST, HttpScenarios.MAX_RESPONSE,
                HttpScenarios.RETRY_AFTER })
class ServletHttpScenariosTest extends HttpScenarios {
}
