# Simplest policy gradient: the log-probabilities are weighted by the episode returns, which
# come from the environment's rewards (env.step), not from the policy's graph; turning them
# into a tensor cuts nothing. The gradient reaches the policy through obs, inside
# compute_loss.
import torch
from torch.distributions import Categorical


def train(env, logits_net, optimizer, batch_size=5000):
    def get_action(obs):
        return Categorical(logits=logits_net(obs)).sample().item()

    def compute_loss(obs, act, weights):
        return -(Categorical(logits=logits_net(obs)).log_prob(act) * weights).mean()

    def train_one_epoch():
        batch_obs, batch_acts, batch_weights = [], [], []
        obs, done, ep_rews = env.reset(), False, []
        while True:
            batch_obs.append(obs.copy())
            act = get_action(torch.as_tensor(obs, dtype=torch.float32))
            obs, rew, done, _ = env.step(act)
            batch_acts.append(act)
            ep_rews.append(rew)
            if done:
                ep_ret, ep_len = sum(ep_rews), len(ep_rews)
                batch_weights += [ep_ret] * ep_len
                obs, done, ep_rews = env.reset(), False, []
                if len(batch_obs) > batch_size:
                    break
        optimizer.zero_grad()
        batch_loss = compute_loss(
            obs=torch.as_tensor(batch_obs, dtype=torch.float32),
            act=torch.as_tensor(batch_acts, dtype=torch.int32),
            weights=torch.as_tensor(batch_weights, dtype=torch.float32),
        )
        batch_loss.backward()
        optimizer.step()
        return batch_loss

    for _ in range(50):
        train_one_epoch()
