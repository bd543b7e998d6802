# An actor-critic update (the shape of stable-baselines3's SAC) with the critic's step
# removed. The optimizers are built elsewhere, so their parameters are unknown, but the
# actor's optimizer is cleared before it steps: nothing consumes the critic's gradients.
import torch


class Agent:
    def __init__(self, actor, critic):
        self.actor = actor
        self.critic = critic

    def train(self, batches, gamma=0.99):
        for obs, reward, next_obs in batches:
            with torch.no_grad():
                target = reward + gamma * self.critic(next_obs, self.actor(next_obs))
            critic_loss = torch.nn.functional.mse_loss(self.critic(obs, self.actor(obs)), target)
            self.critic.optimizer.zero_grad()
            critic_loss.backward()  # GL101

            actor_loss = -self.critic(obs, self.actor(obs)).mean()
            self.actor.optimizer.zero_grad()
            actor_loss.backward()
            self.actor.optimizer.step()
